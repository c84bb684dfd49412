#include "gateway/ctl/run.h"

#include <exception>
#include <vector>

#include "gateway/ctl/table.h"
#include "gateway/ctl/views.h"

namespace edgemq::ctl {

namespace {

Json parse_json(const std::string& body) { return Json::parse(body, nullptr, false); }

// Indented, UTF-8 as is; a byte that is not UTF-8 (no gateway sends one)
// is replaced rather than thrown on.
std::string pretty(const Json& j) { return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"; }

// The stderr line for an HTTP answer that is not a success.
std::string error_line(const HttpResult& r, const Globals& g) {
  const Json body = parse_json(r.body);
  std::string line = "edgemqctl: " + std::to_string(r.status);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    line += " " + printable(body["error"].get<std::string>());
    if (body.contains("message") && body["message"].is_string()) {
      line += ": " + printable(body["message"].get<std::string>());
    }
  } else {
    // Not the admin API answering (a proxy, another server on that port).
    std::string first = r.body.substr(0, r.body.find('\n'));
    line += " http_error: " + (first.empty() ? std::string("an answer without a JSON error") : printable(first));
  }
  line += "\n";
  if (r.status == 401 && g.token.empty()) line += "edgemqctl: no token given: --token T or EDGEMQ_ADMIN_TOKEN\n";
  return line;
}

std::string render(View view, const std::vector<Json>& answers) {
  const Json& a = answers.front();
  switch (view) {
    case View::Status: return render_status(answers[0], answers[1]);
    case View::Metrics: break;
    case View::Clients: return render_clients(a);
    case View::Client: return render_client(a);
    case View::Kick: return render_kicked(a);
    case View::Subscriptions: return render_subscriptions(a);
    case View::Topics: return render_topics(a);
    case View::RetainedList: return render_retained_list(a);
    case View::RetainedGet: return render_retained(a);
    case View::RetainedDelete: return render_retained_deleted(a);
    case View::Publish: return render_published(a);
  }
  return {};
}

}  // namespace

RunOutput run(const Invocation& inv, const Transport& transport) {
  RunOutput o;
  std::vector<Json> answers;
  std::string raw;  // metrics: the text as the gateway wrote it
  bool degraded = false;
  for (const Request& request : inv.requests) {
    const std::string url = inv.globals.url + request.target;
    const HttpResult r = transport(url, request);
    if (!r.reached) {
      o.err = "edgemqctl: cannot reach " + url + ": " + r.error + "\n";
      o.exit_code = kExitUnreachable;
      return o;
    }
    // A degraded gateway answers health with 503 and the health document.
    const bool health = request.target == "/api/v1/health";
    if (r.status == 503 && health && inv.view == View::Status && !parse_json(r.body).contains("error")) {
      degraded = true;
    } else if (r.status < 200 || r.status > 299) {
      o.err = error_line(r, inv.globals);
      o.exit_code = kExitApiError;
      return o;
    }
    if (inv.view == View::Metrics) {
      raw = r.body;
      continue;
    }
    Json body = parse_json(r.body);
    if (body.is_discarded()) {
      o.err = "edgemqctl: " + std::to_string(r.status) + " bad_answer: not JSON, from " + url + "\n";
      o.exit_code = kExitApiError;
      return o;
    }
    answers.push_back(std::move(body));
  }

  if (inv.view == View::Metrics) {
    o.out = raw;
  } else if (inv.globals.json) {
    o.out = inv.view == View::Status ? pretty(Json{{"health", answers[0]}, {"stats", answers[1]}})
                                     : pretty(answers.front());
  } else {
    try {
      o.out = render(inv.view, answers);
    } catch (const std::exception& e) {  // a shape no gateway sends; the views guard against most
      o.err = std::string("edgemqctl: an answer in an unexpected shape: ") + e.what() + " (--json shows it)\n";
      o.exit_code = kExitApiError;
      return o;
    }
  }
  if (degraded) {
    o.err = "edgemqctl: 503 degraded: a store write failed in the last minute (see the gateway's log)\n";
    o.exit_code = kExitApiError;
  }
  return o;
}

}  // namespace edgemq::ctl
