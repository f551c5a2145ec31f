// The server's half of the opening handshake, now that Beast's websocket::stream no longer does
// it: the checks that refuse an upgrade and the accept value that proves the key was read.
#include <gtest/gtest.h>

#include "ws/handshake.hpp"

namespace parley::ws {
namespace {

namespace http = boost::beast::http;

http::request<http::string_body> upgrade_request() {
    http::request<http::string_body> request{http::verb::get, "/ws", 11};
    request.set(http::field::host, "chat.example");
    request.set(http::field::upgrade, "websocket");
    request.set(http::field::connection, "Upgrade");
    request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    request.set(http::field::sec_websocket_version, "13");
    return request;
}

TEST(WebSocketHandshake, TheAcceptValueIsTheOneInRfc6455) {
    // RFC 6455 section 1.3 works this example through.
    EXPECT_EQ(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketHandshake, TheResponseSwitchesProtocolsAndEndsItsHeaders) {
    auto response = switching_protocols_response("dGhlIHNhbXBsZSBub25jZQ==");
    EXPECT_EQ(response.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
    EXPECT_NE(response.find("\r\nUpgrade: websocket\r\n"), std::string::npos);
    EXPECT_NE(response.find("\r\nConnection: Upgrade\r\n"), std::string::npos);
    EXPECT_NE(response.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
              std::string::npos);
    EXPECT_EQ(response.find("\r\n\r\n"), response.size() - 4);
}

TEST(WebSocketHandshake, AGoodRequestPasses) {
    EXPECT_FALSE(check_upgrade(upgrade_request()));
}

TEST(WebSocketHandshake, MissingPartsAreBadRequests) {
    for (auto field :
         {http::field::host, http::field::sec_websocket_key, http::field::sec_websocket_version}) {
        auto request = upgrade_request();
        request.erase(field);
        auto refusal = check_upgrade(request);
        ASSERT_TRUE(refusal) << http::to_string(field);
        EXPECT_EQ(refusal->status, http::status::bad_request);
    }
    auto request = upgrade_request();
    request.set(http::field::sec_websocket_key, std::string(25, 'k'));
    EXPECT_EQ(check_upgrade(request)->status, http::status::bad_request);
}

TEST(WebSocketHandshake, AnotherVersionIsUpgradeRequired) {
    auto request = upgrade_request();
    request.set(http::field::sec_websocket_version, "8");
    auto refusal = check_upgrade(request);
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->status, http::status::upgrade_required);
}

}  // namespace
}  // namespace parley::ws
