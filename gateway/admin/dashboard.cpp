#include "gateway/admin/dashboard.h"

#include <string>

namespace edgemq::admin {

std::optional<http::Response> dashboard_asset(std::string_view path) {
  constexpr std::string_view kPrefix = "/dashboard/";
  std::string_view name;
  if (path == "/") {
    name = "index.html";
  } else if (path.starts_with(kPrefix)) {
    name = path.substr(kPrefix.size());
  } else {
    return std::nullopt;
  }
  for (const DashboardAsset& a : dashboard_assets()) {
    if (a.name != name) continue;
    http::Response r;
    r.content_type = std::string(a.content_type);
    r.body.assign(reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size());
    r.headers.emplace_back("Content-Security-Policy", std::string(kDashboardCsp));
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return r;
  }
  return std::nullopt;
}

}  // namespace edgemq::admin
