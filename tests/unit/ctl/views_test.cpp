// The API's JSON as an operator reads it, from answers shaped like
// docs/openapi.json's: tables with footers, key-value lines, sentences.
#include <gtest/gtest.h>

#include <string>

#include "gateway/ctl/views.h"

namespace edgemq::ctl {
namespace {

Json parse(const char* text) { return Json::parse(text); }

TEST(CtlViews, Status) {
  const Json health = parse(R"({"status":"ok","live":true,"ready":true,"version":"0.1.0","uptime_s":7384,
    "listeners":{"mqtt":1883,"ws":8083},"store":{"ok":true,"errors":0}})");
  const Json stats = parse(R"({"version":"0.1.0","uptime_s":7384,
    "connections":{"current":3,"by_listener":{"mqtt":2,"mqtts":0,"ws":1},"by_protocol":{"3.1.1":1,"5.0":2},
                   "accepted":{"mqtt":9},"protocol_errors":0,"keepalive_timeouts":0,"tls_handshake_failures":0},
    "messages":{"received":10,"sent":12,"dropped":{"queue_full":3,"expired":0,"too_large":1},"wills_published":2},
    "bytes":{"received":2048,"sent":1536},"retained":4,"sessions_expired":1,
    "sessions":{"connected":3,"offline":2,"queued":20,"inflight":1,"subscriptions":5},
    "store":{"ok":true,"errors":0,"commits":40,"commit_ms_mean":0.25},"loop_lag_ms":{"max":1.25},
    "process":{"rss_bytes":12900000,"cpu_seconds":1.5,"open_fds":17}})");
  EXPECT_EQ(render_status(health, stats),
            "status            ok\n"
            "version           0.1.0\n"
            "uptime            2h 03m\n"
            "listeners         mqtt 1883, ws 8083\n"
            "connections       3\n"
            "  by transport    mqtt 2, ws 1\n"
            "  by protocol     3.1.1 1, 5.0 2\n"
            "messages          received 10, sent 12\n"
            "dropped           4 (queue_full 3, too_large 1)\n"
            "wills published   2\n"
            "bytes             received 2.0 KiB, sent 1.5 KiB\n"
            "retained          4\n"
            "sessions          connected 3, offline 2\n"
            "  messages        queued 20, inflight 1\n"
            "sessions expired  1\n"
            "store             ok, 0 errors, 40 commits, 0.25 ms mean\n"
            "loop lag          1.2 ms (worst worker, last second)\n"
            "rss               12.3 MiB\n"
            "cpu               1.50s\n"
            "open fds          17\n");
}

TEST(CtlViews, ClientsTableWithFooter) {
  const Json page = parse(R"({"total":3,"offset":0,"limit":2,"items":[
    {"client_id":"it-alice","connected":true,"persistent":true,"session_expiry_s":4294967295,"inflight":1,
     "queued":20,"subscription_count":2,"username":"alice","transport":"mqtt","protocol":"3.1.1",
     "peer":"127.0.0.1:51234","keep_alive_s":45,"connected_at_ms":1714566896789},
    {"client_id":"it-bob","connected":false,"persistent":true,"session_expiry_s":3600,"inflight":0,"queued":0,
     "subscription_count":1}]})");
  EXPECT_EQ(render_clients(page),
            "CLIENT ID  STATE      PROTO  TRANSPORT  PEER             USERNAME  INFLIGHT  QUEUED  SUBS  "
            "CONNECTED SINCE\n"
            "it-alice   connected  3.1.1  mqtt       127.0.0.1:51234  alice            1      20     2  "
            "2024-05-01T12:34:56Z\n"
            "it-bob     offline    -      -          -                -                0       0     1  -\n"
            "total 3, showing 1..2\n");
}

TEST(CtlViews, Footers) {
  EXPECT_EQ(page_footer(parse(R"({"total":0,"offset":0,"limit":100,"items":[]})")), "total 0\n");
  EXPECT_EQ(page_footer(parse(R"({"total":5,"offset":10,"limit":100,"items":[]})")),
            "total 5, none from offset 10\n");
  EXPECT_EQ(page_footer(parse(R"({"total":5,"offset":3,"limit":2,"items":[{},{}]})")), "total 5, showing 4..5\n");
  EXPECT_EQ(render_topics(parse(R"({"total":0,"offset":0,"limit":100,"items":[]})")), "total 0\n");
}

TEST(CtlViews, OneClientWithItsSubscriptions) {
  const Json c = parse(R"({"client_id":"it-alice","connected":true,"persistent":false,"session_expiry_s":0,
    "inflight":0,"queued":0,"subscription_count":2,"username":"","transport":"ws","protocol":"5.0",
    "peer":"127.0.0.1:5","keep_alive_s":60,"connected_at_ms":0,
    "subscriptions":[{"client_id":"it-alice","filter":"a/#","qos":1,"no_local":true,"retain_as_published":false,
                      "subscription_id":7},
                     {"client_id":"it-alice","filter":"$share/g/b","qos":0,"no_local":false,
                      "retain_as_published":true,"share_group":"g","topic_filter":"b"}]})");
  EXPECT_EQ(render_client(c),
            "client id        it-alice\n"
            "state            connected\n"
            "persistent       no\n"
            "session expiry   with the connection\n"
            "protocol         5.0\n"
            "transport        ws\n"
            "peer             127.0.0.1:5\n"
            "username         -\n"
            "keep alive       60s\n"
            "connected since  1970-01-01T00:00:00Z\n"
            "inflight         0\n"
            "queued           0\n"
            "subscriptions    2\n"
            "\n"
            "FILTER      QOS  NO LOCAL  RETAIN AS PUBLISHED  SUB ID  SHARE GROUP\n"
            "a/#           1  yes       no                        7  -\n"
            "$share/g/b    0  no        yes                       -  g\n");
}

TEST(CtlViews, SubscriptionsAndTopics) {
  EXPECT_EQ(render_subscriptions(parse(R"({"total":1,"offset":0,"limit":100,"items":[
              {"client_id":"c1","filter":"a/+","qos":2,"no_local":false,"retain_as_published":false}]})")),
            "CLIENT ID  FILTER  QOS  NO LOCAL  RETAIN AS PUBLISHED  SUB ID  SHARE GROUP\n"
            "c1         a/+       2  no        no                        -  -\n"
            "total 1, showing 1..1\n");
  EXPECT_EQ(render_topics(parse(R"({"total":2,"offset":0,"limit":100,"items":[
              {"filter":"a/#","subscriptions":1,"shared":0},{"filter":"a/b","subscriptions":10,"shared":3}]})")),
            "FILTER  SUBSCRIPTIONS  SHARED\n"
            "a/#                 1       0\n"
            "a/b                10       3\n"
            "total 2, showing 1..2\n");
}

TEST(CtlViews, RetainedListPreviewsPayloads) {
  const Json page = parse(R"({"total":2,"offset":0,"limit":100,"items":[
    {"topic":"a/1","qos":1,"size":3,"payload":"AP8Q","payload_encoding":"base64"},
    {"topic":"a/2","qos":0,"size":60,"payload":"line one\nline two and a long tail that goes on and on",
     "payload_encoding":"text","content_type":"text/plain","expires_at_ms":1714566896789}]})");
  EXPECT_EQ(render_retained_list(page),
            "TOPIC  QOS  SIZE  PAYLOAD                                   CONTENT TYPE  EXPIRES\n"
            "a/1      1     3  [base64] AP8Q                             -             -\n"
            "a/2      0    60  line one\\nline two and a long tail that…  text/plain    2024-05-01T12:34:56Z\n"
            "total 2, showing 1..2\n");
}

TEST(CtlViews, OneRetainedMessageAndActions) {
  EXPECT_EQ(render_retained(parse(R"({"topic":"a/1","qos":1,"size":5,"payload":"he\tllo",
                                      "payload_encoding":"text"})")),
            "topic         a/1\n"
            "qos           1\n"
            "size          5 bytes\n"
            "content type  -\n"
            "expires       -\n"
            "encoding      text\n"
            "payload       he\\tllo\n");
  EXPECT_EQ(render_retained_deleted(parse(R"({"topic":"a/1","deleted":true})")),
            "deleted the retained message on a/1\n");
  EXPECT_EQ(render_kicked(parse(R"({"client_id":"c1","kicked":true,"session_discarded":false})")), "kicked c1\n");
  EXPECT_EQ(render_kicked(parse(R"({"client_id":"c1","kicked":true,"session_discarded":true})")),
            "kicked c1; its session is discarded\n");
  EXPECT_EQ(render_published(parse(R"({"topic":"a/1","qos":1,"retain":true,"matched":1})")),
            "published to a/1 (qos 1, retained): 1 subscription matched\n");
  EXPECT_EQ(render_published(parse(R"({"topic":"a/1","qos":0,"retain":false,"matched":0})")),
            "published to a/1 (qos 0): 0 subscriptions matched\n");
}

TEST(CtlViews, MissingOrOddFieldsShowAsDashes) {
  EXPECT_EQ(render_clients(parse(R"({"items":[{"client_id":5}]})")),
            "CLIENT ID  STATE    PROTO  TRANSPORT  PEER  USERNAME  INFLIGHT  QUEUED  SUBS  CONNECTED SINCE\n"
            "5          offline  -      -          -     -                0       0     0  -\n"
            "total 0, showing 1..1\n");
  EXPECT_NO_THROW(render_status(parse("[]"), parse("null")));
  const std::string idle = render_status(parse("{}"), parse(R"({"connections":{"by_listener":{"mqtt":0}}})"));
  EXPECT_NE(idle.find("\n  by transport    -\n"), std::string::npos) << idle;
  EXPECT_NO_THROW(render_client(parse(R"({"subscriptions":"x"})")));
}

}  // namespace
}  // namespace edgemq::ctl
