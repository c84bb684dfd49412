// The dashboard: a page on the admin port (GET /) with live charts, the
// client list and retained topics, drawn by the browser from the JSON routes
// (docs/admin-api.md, "Dashboard"). Its files (gateway/admin/dashboard/) are
// built into the binary by embed_assets.cmake; no CDN, no framework. Pure.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "protocols/http/response.h"

namespace edgemq::admin {

struct DashboardAsset {
  std::string_view name;          // "app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::span<const unsigned char> bytes;
};

// Every embedded file (generated: dashboard_assets.cpp in the build tree).
std::span<const DashboardAsset> dashboard_assets();

// The Content-Security-Policy every dashboard response carries: the page
// loads and asks nothing but its own origin, runs no inline script or style
// and is never framed.
inline constexpr std::string_view kDashboardCsp = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

// The response for a request path: "/" is index.html, "/dashboard/<name>" an
// embedded file; nullopt for any other path. Open (no token): the files hold
// no data, the page asks the token-guarded routes for it.
std::optional<http::Response> dashboard_asset(std::string_view path);

}  // namespace edgemq::admin
