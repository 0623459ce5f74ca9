#include "common/metrics_http.hpp"

#include <gtest/gtest.h>

namespace sixfour {
namespace {

TEST(MetricsEndpoint, BothFamiliesAndErrors) {
  auto a = parse_metrics_endpoint("[::1]:9164");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->v6);
  EXPECT_EQ(a->str(), "[::1]:9164");
  auto b = parse_metrics_endpoint("127.0.0.1:9164");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->str(), "127.0.0.1:9164");
  EXPECT_EQ(parse_metrics_endpoint("[2001:DB8::1]:80")->str(), "[2001:db8::1]:80");
  for (const char* bad : {"", "9164", ":9164", "::1:9164", "[::1]9164", "[::1]:", "[::1]:0", "127.0.0.1:65536",
                          "localhost:9164", "[127.0.0.1]:9164", "1.2.3:9164"})
    EXPECT_FALSE(parse_metrics_endpoint(bad)) << bad;
}

TEST(MetricsEndpoint, SetMetricsNamesTheValue) {
  std::optional<MetricsEndpoint> dst;
  EXPECT_TRUE(set_metrics(Given<std::string>{}, "metrics", dst));
  EXPECT_FALSE(dst);
  Given<std::string> g;
  g.set("[::1]:9164");
  ASSERT_TRUE(set_metrics(g, "metrics", dst));
  EXPECT_EQ(dst->port, 9164);
  g.set("nope");
  auto st = set_metrics(g, "metrics", dst);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().find("nope"), std::string::npos) << st.error();
  g.set("");
  ASSERT_TRUE(set_metrics(g, "metrics", dst));
  EXPECT_FALSE(dst);
}

TEST(MetricsHttp, GetHeadAndRefusals) {
  int asked = 0;
  auto body = [&asked] {
    ++asked;
    return std::string("sixfour_x_total 1\n");
  };
  const std::string get = metrics_http_reply("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", body);
  EXPECT_EQ(get,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: 18\r\n"
            "Connection: close\r\n\r\nsixfour_x_total 1\n");
  const std::string head = metrics_http_reply("HEAD /metrics?x=1 HTTP/1.0\r\n\r\n", body);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(head.find("Content-Length: 18\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");  // no body
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(metrics_http_reply("GET / HTTP/1.1\r\n\r\n", body).rfind("HTTP/1.1 404 ", 0), 0u);
  EXPECT_EQ(metrics_http_reply("POST /metrics HTTP/1.1\r\n\r\n", body).rfind("HTTP/1.1 405 ", 0), 0u);
  EXPECT_EQ(metrics_http_reply("GET /metrics\r\n\r\n", body).rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_EQ(metrics_http_reply("\x16\x03\x01 garbage", body).rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_EQ(metrics_http_reply("", body).rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_EQ(asked, 2);  // only a GET or HEAD of /metrics reads the counters
}

}  // namespace
}  // namespace sixfour
