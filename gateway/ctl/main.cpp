// edgemqctl: asks a running edgemq gateway's admin API from a shell
// (docs/edgemqctl.md). Parses the command line, reads a payload from
// standard input when publish asks for it, sends the requests with libcurl
// and prints what came back.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "gateway/ctl/args.h"
#include "gateway/ctl/http_client.h"
#include "gateway/ctl/publish.h"
#include "gateway/ctl/run.h"

namespace {

bool read_stdin(std::string& out) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

void write_all(std::FILE* f, const std::string& s) {
  if (!s.empty()) std::fwrite(s.data(), 1, s.size(), f);
}

int usage(const std::string& message) {
  std::fprintf(stderr, "edgemqctl: %s\nTry 'edgemqctl --help'.\n", message.c_str());
  return edgemq::ctl::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace edgemq::ctl;
  const std::vector<std::string> args(argv + 1, argv + argc);
  ParseResult parsed =
      parse_args(args, [](const char* name) { return std::getenv(name); }, ::isatty(STDIN_FILENO) == 1);
  switch (parsed.action) {
    case ParseResult::Action::Help:
    case ParseResult::Action::Version: write_all(stdout, parsed.text); return kExitOk;
    case ParseResult::Action::Usage: return usage(parsed.text);
    case ParseResult::Action::Run: break;
  }
  Invocation& inv = parsed.invocation;
  if (inv.payload_from == PayloadFrom::Stdin) {
    std::string payload, error;
    if (!read_stdin(payload)) return usage(std::string("cannot read standard input: ") + std::strerror(errno));
    if (!set_payload(inv, payload, error)) return usage(error);
  }

  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fputs("edgemqctl: libcurl could not be initialised\n", stderr);
    return kExitUnreachable;
  }
  RunOutput o;
  {
    HttpClient http(inv.globals.token, inv.globals.timeout_s);
    o = run(inv, [&http](const std::string& url, const Request& r) { return http.send(url, r); });
  }
  curl_global_cleanup();
  write_all(stdout, o.out);
  std::fflush(stdout);
  write_all(stderr, o.err);
  return o.exit_code;
}
