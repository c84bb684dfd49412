// The publish body: text when the payload is UTF-8, base64 otherwise, every
// byte kept; --base64 payloads passed through without their line breaks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "gateway/ctl/encoding.h"
#include "gateway/ctl/publish.h"

namespace edgemq::ctl {
namespace {

using nlohmann::json;

json body_for(const PublishSpec& spec, const std::string& payload) {
  std::string error;
  const std::string body = publish_body(spec, payload, error);
  EXPECT_EQ(error, "");
  return json::parse(body);
}

TEST(CtlPublish, Utf8PayloadsGoAsTextOthersAsBase64) {
  PublishSpec spec;
  spec.topic = "t";
  json b = body_for(spec, "héllo\n");
  EXPECT_EQ(b["payload"], "héllo\n");
  EXPECT_EQ(b["payload_encoding"], "text");
  EXPECT_FALSE(b.contains("properties"));

  b = body_for(spec, std::string("\x00\xff\x10", 3));
  EXPECT_EQ(b["payload"], "AP8Q");
  EXPECT_EQ(b["payload_encoding"], "base64");
}

TEST(CtlPublish, Base64GivenIsPassedWithoutBlanks) {
  PublishSpec spec;
  spec.topic = "t";
  spec.base64 = true;
  const json b = body_for(spec, "AP8Q\nAAAA\n");
  EXPECT_EQ(b["payload"], "AP8QAAAA");
  EXPECT_EQ(b["payload_encoding"], "base64");
}

TEST(CtlPublish, NonUtf8OptionsAreRefused) {
  PublishSpec spec;
  spec.topic = "t";
  spec.content_type = std::string("\xff");
  std::string error;
  EXPECT_EQ(publish_body(spec, "x", error), "");
  EXPECT_EQ(error, "--content-type is not UTF-8");
  spec.content_type.reset();
  spec.topic = std::string("a\xc0\xaf");  // an overlong '/'
  EXPECT_EQ(publish_body(spec, "x", error), "");
  EXPECT_EQ(error, "the topic is not UTF-8");
}

TEST(CtlEncoding, Base64) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xfb\xff", 2)), "+/8=");
}

TEST(CtlEncoding, Utf8) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("温度 🌡"));
  EXPECT_TRUE(valid_utf8(std::string("a\0b", 3)));
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\xc3"));            // cut short
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));        // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));    // a surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
}

TEST(CtlEncoding, UrlEscapeKeepsOnlyUnreserved) {
  EXPECT_EQ(url_escape("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(url_escape("a/b c+d%e?f#g&h=i"), "a%2Fb%20c%2Bd%25e%3Ff%23g%26h%3Di");
  EXPECT_EQ(url_escape(""), "");
}

}  // namespace
}  // namespace edgemq::ctl
