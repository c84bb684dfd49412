#include "tests/integration/tls_certs.h"

#include <chrono>
#include <filesystem>

#include "tests/integration/cli.h"
#include "tests/integration/gateway_process.h"

namespace edgemq::itest {

namespace {

// Removed when the test process exits.
struct CertDir {
  std::string path;
  ~CertDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

const std::string& test_certs() {
  static const CertDir dir = [] {
    CertDir d{make_temp_dir("edgemq-certs")};
    const CliResult r = run_cli("/bin/bash", {EDGEMQ_MAKE_CERTS, d.path}, std::chrono::seconds(30));
    if (!r.exited || r.exit_code != 0) ADD_FAILURE() << "make_certs.sh failed:\n" << r.out << r.err;
    return d;
  }();
  return dir.path;
}

std::string cert_file(const std::string& name) { return test_certs() + "/" + name; }

}  // namespace edgemq::itest
