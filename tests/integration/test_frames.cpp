// The WebSocket protocol itself over real sockets, byte for byte: the server reads client frames
// with its own parser, so masking, fragments, control frames, keepalive and the close handshake
// are checked here with a client that writes exactly the bytes each test needs.
#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "harness.hpp"
#include "raw_client.hpp"

namespace parley::test {
namespace {

// Whether /metrics shows `line` within the default timeout (a close is counted a moment after
// the client has seen it).
bool metrics_show(std::uint16_t port, const std::string& line) {
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (http_get(port, "/metrics").body.find(line) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

const std::string hello_ann = R"({"type":"hello","nick":"ann"})";

TEST(Frames, APingIsAnsweredWithAPongCarryingTheSamePayload) {
    ServerProcess server;
    RawClient client(server.port());
    client.send(client_frame(ping_op, "are you there?"));
    auto pong = client.next();
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->opcode, pong_op);
    EXPECT_EQ(pong->payload, "are you there?");
}

TEST(Frames, AFragmentedMessageIsOneCommandEvenWithAPingBetweenItsFragments) {
    ServerProcess server;
    RawClient client(server.port());
    // The fragments arrive in separate writes, so the server reads them in separate reads too.
    client.send(client_frame(text_op, R"({"type":"hel)", false));
    client.send(client_frame(continuation_op, R"(lo","ni)", false));
    client.send(client_frame(ping_op, "between"));
    client.send(client_frame(continuation_op, R"(ck":"ann"})"));
    auto pong = client.next();
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->opcode, pong_op);
    EXPECT_EQ(pong->payload, "between");
    auto welcome = client.next();
    ASSERT_TRUE(welcome);
    EXPECT_EQ(welcome->opcode, text_op);
    EXPECT_EQ(json::parse(welcome->payload)["type"], "welcome");
}

TEST(Frames, AFrameSplitAcrossWritesArrivesWhole) {
    ServerProcess server;
    RawClient client(server.port());
    auto frame = client_frame(text_op, hello_ann);
    // One byte per write, each its own segment: the server sees the frame in many reads.
    client.set_no_delay();
    for (char byte : frame) client.send(std::string(1, byte));
    auto welcome = client.next();
    ASSERT_TRUE(welcome);
    EXPECT_EQ(json::parse(welcome->payload)["nick"], "ann");
}

TEST(Frames, FramesSentRightBehindTheUpgradeRequestAreRead) {
    ServerProcess server;
    RawClient client(server.port(), client_frame(text_op, hello_ann));
    EXPECT_EQ(client.response().rfind("HTTP/1.1 101 ", 0), 0u) << client.response();
    // The RFC's own example: this key must be answered with this accept value.
    EXPECT_NE(client.response().find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
              std::string::npos)
        << client.response();
    auto welcome = client.next();
    ASSERT_TRUE(welcome);
    EXPECT_EQ(json::parse(welcome->payload)["type"], "welcome");
}

TEST(Frames, AnUnmaskedFrameCloses1002AndTheCloseFrameSurvivesUnreadInput) {
    ServerProcess server;
    RawClient client(server.port());
    // Plenty of bytes behind the bad frame stay unread: closing over them would send a reset.
    client.send(client_frame(text_op, hello_ann, true, false) + std::string(64 * 1024, 'x'));
    auto close = client.next();
    ASSERT_TRUE(close);
    EXPECT_EQ(close->opcode, close_op);
    EXPECT_EQ(close->close_code(), 1002);
    EXPECT_EQ(close->payload.substr(2), "client frames must be masked");
    EXPECT_TRUE(client.ends_within(default_timeout));
}

TEST(Frames, ConnectionsClosedTogetherOverUnreadInputAllEndCleanly) {
    // Each connection is closed while its client keeps sending, so the server drains many at
    // once on both io threads: every client still gets its close frame, and once the clients
    // hang up the server has let go of every connection.
    ServerProcess server({"--threads", "2"});
    constexpr int count = 16;
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < count; ++i) clients.push_back(std::make_unique<RawClient>(server.port()));
    for (auto& client : clients) client->send(client_frame(text_op, hello_ann, true, false));
    const std::string more(16 * 1024, 'x');
    for (int round = 0; round < 64; ++round)
        for (auto& client : clients) client->send(more);
    for (auto& client : clients) {
        auto close = client->next();
        ASSERT_TRUE(close);
        EXPECT_EQ(close->close_code(), 1002);
        EXPECT_TRUE(client->ends_within(default_timeout));
    }
    clients.clear();
    // Only the request asking is left open.
    EXPECT_TRUE(metrics_show(server.port(), "parley_tcp_connections_open 1\n"));
}

TEST(Frames, ReservedBitsAndUnknownOpcodesClose1002) {
    ServerProcess server;
    RawClient reserved(server.port()), unknown(server.port());
    auto frame = client_frame(text_op, hello_ann);
    frame[0] = static_cast<char>(frame[0] | 0x40);
    reserved.send(frame);
    unknown.send(client_frame(0x3, "?"));
    for (auto* client : {&reserved, &unknown}) {
        auto close = client->next();
        ASSERT_TRUE(close);
        EXPECT_EQ(close->close_code(), 1002);
    }
}

TEST(Frames, TheClientsCloseIsEchoedAndTheConnectionEnds) {
    ServerProcess server;
    RawClient client(server.port());
    client.send(client_frame(close_op, close_payload(1000, "bye")));
    auto close = client.next();
    ASSERT_TRUE(close);
    EXPECT_EQ(close->opcode, close_op);
    EXPECT_EQ(close->close_code(), 1000);
    EXPECT_TRUE(client.ends_within(default_timeout));
    EXPECT_TRUE(metrics_show(server.port(), "parley_closes_total{code=\"1000\"} 1\n"));
}

TEST(Frames, ASilentConnectionIsPingedAtHalfTheIdleTimeoutThenDropped) {
    ServerProcess server{{"--idle-timeout", "1s"}};
    RawClient silent(server.port()), alive(server.port());
    using std::chrono::milliseconds;
    auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::steady_clock::now() - start; };
    std::optional<std::chrono::steady_clock::duration> pinged, dropped;
    // Both are watched together: the one that answers pings must do so from the start.
    while (elapsed() < milliseconds(2500)) {
        if (auto frame = alive.next(milliseconds(20)); frame && frame->opcode == ping_op)
            alive.send(client_frame(pong_op, frame->payload));
        if (dropped) continue;
        if (auto frame = silent.next(milliseconds(20))) {
            if (frame->opcode == ping_op && !pinged) pinged = elapsed();
        } else if (silent.ended()) {
            dropped = elapsed();
        }
    }
    ASSERT_TRUE(pinged) << "no ping";
    EXPECT_GE(*pinged, milliseconds(450));
    ASSERT_TRUE(dropped) << "still open";
    EXPECT_GE(*dropped, milliseconds(950));
    EXPECT_FALSE(alive.ended());
    alive.send(client_frame(text_op, hello_ann));
    auto welcome = alive.next_answering_pings();
    ASSERT_TRUE(welcome);
    EXPECT_EQ(json::parse(welcome->payload)["type"], "welcome");
}

TEST(Frames, APeerThatNeverAnswersOurCloseIsDroppedAfterTheHttpTimeout) {
    ServerProcess server{{"--hello-timeout", "300ms", "--http-timeout", "1s"}};
    RawClient client(server.port());
    auto close = client.next();
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code(), 1008);
    auto sent = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.ends_within(std::chrono::seconds(5)));
    EXPECT_GE(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(700));
}

TEST(Frames, UpgradesWithoutAUsableKeyOrVersionAreRefused) {
    ServerProcess server;
    auto request = [&](const std::string& extra) {
        return "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
               extra + "\r\n";
    };
    auto no_key = raw_request(server.port(), request("Sec-WebSocket-Version: 13\r\n"));
    EXPECT_EQ(no_key.rfind("HTTP/1.1 400 ", 0), 0u) << no_key;
    auto old_version =
        raw_request(server.port(), request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                           "Sec-WebSocket-Version: 8\r\n"));
    EXPECT_EQ(old_version.rfind("HTTP/1.1 426 ", 0), 0u) << old_version;
    EXPECT_NE(old_version.find("Sec-WebSocket-Version: 13"), std::string::npos) << old_version;
}

}  // namespace
}  // namespace parley::test
