// The dashboard's files as the binary serves them: each with its content
// type and the security headers, the page at /, open even with tokens, and a
// page that loads nothing from another origin.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "gateway/admin/api.h"
#include "gateway/admin/dashboard.h"

namespace edgemq {
namespace {

using admin::dashboard_asset;
using admin::dashboard_assets;

std::string header(const http::Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

std::string asset_text(std::string_view name) {
  for (const admin::DashboardAsset& a : dashboard_assets()) {
    if (a.name == name) return {reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size()};
  }
  return {};
}

std::string expected_type(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "?";
}

TEST(DashboardAssets, EveryFileIsBuiltInAndServedWithItsTypeAndHeaders) {
  std::set<std::string> names;
  for (const admin::DashboardAsset& a : dashboard_assets()) names.emplace(a.name);
  EXPECT_EQ(names, (std::set<std::string>{"index.html", "app.js", "style.css", "favicon.svg"}));

  for (const admin::DashboardAsset& a : dashboard_assets()) {
    const std::string path = "/dashboard/" + std::string(a.name);
    const auto r = dashboard_asset(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->content_type, expected_type(a.name)) << path;
    EXPECT_EQ(r->content_type, a.content_type) << path;
    EXPECT_GT(r->body.size(), 100u) << path;
    EXPECT_EQ(r->body, asset_text(a.name)) << path << ": the file's bytes, whole";
    EXPECT_EQ(header(*r, "Content-Security-Policy"), "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
        << path;
    EXPECT_EQ(header(*r, "X-Content-Type-Options"), "nosniff") << path;
  }
}

TEST(DashboardAssets, TheRootIsThePageAndNothingElseIsServed) {
  const auto root = dashboard_asset("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(root->body, asset_text("index.html"));
  EXPECT_NE(root->body.find("<canvas"), std::string::npos);

  for (const std::string path : {"", "/dashboard/", "/dashboard", "/dashboard/nope.js", "/index.html",
                                 "/dashboard/../api/v1/stats", "/dashboard/app.js/", "/dashboard//app.js",
                                 "/dashboard/APP.JS", "/api/v1/stats", "/app.js"}) {
    EXPECT_FALSE(dashboard_asset(path)) << path;
  }
}

TEST(DashboardAssets, ThePageLoadsOnlyItsOwnFiles) {
  // No absolute URL anywhere in the page, its script or its style (the SVG
  // namespace is a name, never fetched).
  for (const admin::DashboardAsset& a : dashboard_assets()) {
    std::string text = asset_text(a.name);
    if (a.name.ends_with(".svg")) {
      const std::string ns = "xmlns=\"http://www.w3.org/2000/svg\"";
      ASSERT_NE(text.find(ns), std::string::npos);
      text.erase(text.find(ns), ns.size());
    }
    EXPECT_EQ(text.find("http://"), std::string::npos) << a.name;
    EXPECT_EQ(text.find("https://"), std::string::npos) << a.name;
    EXPECT_EQ(text.find("//cdn"), std::string::npos) << a.name;
    EXPECT_EQ(text.find("@import"), std::string::npos) << a.name;
  }

  // Every src= and href= of the page names a file the binary serves, and
  // nothing is inline (the CSP would refuse it).
  const std::string page = asset_text("index.html");
  const std::regex ref(R"re(\b(src|href)\s*=\s*"([^"]*)")re");
  size_t refs = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), ref); it != std::sregex_iterator(); ++it) {
    const std::string target = (*it)[2];
    EXPECT_TRUE(target.starts_with("/dashboard/")) << target;
    EXPECT_TRUE(dashboard_asset(target)) << target;
    ++refs;
  }
  EXPECT_EQ(refs, 3u) << "favicon, style sheet, script";
  EXPECT_EQ(page.find("<style"), std::string::npos);
  EXPECT_EQ(page.find(" style="), std::string::npos);
  EXPECT_EQ(std::regex_search(page, std::regex(R"(<script(?![^>]*\bsrc=)[^>]*>)")), false) << "an inline script";
  EXPECT_EQ(std::regex_search(page, std::regex(R"(\bon[a-z]+\s*=)")), false) << "an inline event handler";
}

// The routes only read the path: a backend that must never be asked.
class NoBackend : public admin::Backend {
 public:
  admin::Snapshot snapshot() override { return fail<admin::Snapshot>(); }
  std::optional<admin::SessionTotals> session_totals() override {
    return fail<std::optional<admin::SessionTotals>>();
  }
  std::vector<admin::RetainedItem> retained(const std::string&) override {
    return fail<std::vector<admin::RetainedItem>>();
  }
  admin::Answer<admin::Page<admin::ClientItem>> clients(const admin::ClientQuery&) override {
    return fail<admin::Answer<admin::Page<admin::ClientItem>>>();
  }
  admin::Answer<admin::ClientItem> client(const std::string&) override { return fail<admin::Answer<admin::ClientItem>>(); }
  admin::Outcome kick(const std::string&, bool) override { return fail<admin::Outcome>(); }
  admin::Answer<admin::Page<admin::SubscriptionItem>> subscriptions(const admin::SubscriptionQuery&) override {
    return fail<admin::Answer<admin::Page<admin::SubscriptionItem>>>();
  }
  admin::Answer<admin::Page<admin::TopicItem>> topics(const admin::TopicQuery&) override {
    return fail<admin::Answer<admin::Page<admin::TopicItem>>>();
  }
  admin::Outcome delete_retained(const std::string&) override { return fail<admin::Outcome>(); }
  admin::Answer<size_t> publish(admin::PublishRequest) override { return fail<admin::Answer<size_t>>(); }

 private:
  template <typename T>
  T fail() {
    ADD_FAILURE() << "the dashboard's routes asked the backend";
    return T{};
  }
};

http::Request request(const std::string& method, const std::string& path) {
  http::Request r;
  r.method = method;
  r.path = path;
  return r;
}

TEST(DashboardAssets, TheApiServesItWithoutAToken) {
  // With tokens configured the files stay open: they hold no data, and the
  // page asks for the token when the data routes answer 401.
  admin::Api api({"s3cret"}, std::make_shared<NoBackend>());
  auto r = api.handle(request("GET", "/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "Content-Security-Policy"), std::string(admin::kDashboardCsp));
  r = api.handle(request("GET", "/dashboard/app.js"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");

  r = api.handle(request("GET", "/dashboard/missing.js"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_NE(r.body.find("\"not_found\""), std::string::npos) << r.body;
  r = api.handle(request("POST", "/"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET");
  EXPECT_EQ(api.handle(request("GET", "/api/v1/stats")).status, 401) << "the data stays behind the token";
}

}  // namespace
}  // namespace edgemq
