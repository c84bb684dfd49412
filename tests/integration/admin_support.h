// What the admin endpoint's integration tests share: curl as an operator
// runs it, and a fixture with a gateway whose admin port is known.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/integration/cli.h"
#include "tests/integration/fixture.h"

namespace edgemq::itest {

struct HttpResult {
  int status = 0;
  std::string body;
};

// curl -s with `args`, the status code on the last line.
inline HttpResult curl(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"-s", "--max-time", "15", "-w", "\n%{http_code}"};
  all.insert(all.end(), args.begin(), args.end());
  const CliResult r = run_cli("curl", all, std::chrono::seconds(20));
  HttpResult h;
  const size_t nl = r.out.rfind('\n');
  if (nl == std::string::npos) return h;
  h.body = r.out.substr(0, nl);
  h.status = std::atoi(r.out.c_str() + nl + 1);
  return h;
}

class Admin : public GatewayTest {
 protected:
  void SetUp() override {
    if (under_mosquitto()) GTEST_SKIP() << "edgemq's admin endpoint";
    GatewayTest::SetUp();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(gw_admin_port()) + path;
  }
  int gw_admin_port() const { return const_cast<Admin*>(this)->gw().admin_port(); }
  // A value from the metrics page, -1 if the line is missing.
  double metric(const std::string& page, const std::string& name) {
    const size_t at = page.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stod(page.substr(at + name.size() + 2));
  }
};

}  // namespace edgemq::itest
