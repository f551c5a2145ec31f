// Self-checks of parley-bench's building blocks, run by CTest. No sockets, no server.
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "history.hpp"

#include "json_scan.hpp"
#include "latency_histogram.hpp"
#include "options.hpp"
#include "selftest_check.hpp"
#include "text_stamp.hpp"
#include "ws_frame.hpp"
#include "ws_handshake.hpp"
#include "ws_url.hpp"

namespace {

// A server frame as a server would send it: unmasked.
std::string server_frame(std::uint8_t first_byte, const std::string& payload) {
    std::string frame(1, static_cast<char>(first_byte));
    const std::uint64_t size = payload.size();
    if (size < 126) {
        frame += static_cast<char>(size);
    } else if (size <= 0xFFFF) {
        frame += static_cast<char>(126);
        frame += static_cast<char>(size >> 8);
        frame += static_cast<char>(size & 0xFF);
    } else {
        frame += static_cast<char>(127);
        for (int i = 7; i >= 0; --i) frame += static_cast<char>((size >> (8 * i)) & 0xFF);
    }
    return frame + payload;
}

void test_parser_lengths_and_splits() {
    for (std::size_t size : {0u, 5u, 125u, 126u, 300u, 65535u, 65536u, 70000u}) {
        const std::string payload(size, 'p');
        const std::string frame = server_frame(0x81, payload);
        // Every prefix is incomplete; the whole frame parses with the exact payload.
        bool prefixes_incomplete = true;
        for (std::size_t cut = 0; cut < frame.size(); cut += (cut < 20 ? 1 : 997)) {
            const auto partial =
                bench::parse_server_frame(std::string_view(frame).substr(0, cut), 1 << 20);
            if (partial.status != bench::ParseStatus::incomplete) prefixes_incomplete = false;
        }
        CHECK(prefixes_incomplete);
        const std::string stream = frame + "next";  // a following frame's first bytes
        const auto whole = bench::parse_server_frame(stream, 1 << 20);
        CHECK(whole.status == bench::ParseStatus::complete);
        CHECK(whole.frame.fin && whole.frame.opcode == bench::Opcode::text);
        CHECK(whole.frame.payload == payload);
        CHECK(whole.frame.frame_size == frame.size());
    }
}

void test_parser_rejects_bad_frames() {
    using bench::ParseStatus;
    std::string masked = server_frame(0x81, "hi");
    masked[1] = static_cast<char>(masked[1] | 0x80);
    CHECK(bench::parse_server_frame(masked, 1024).status == ParseStatus::invalid);
    CHECK(bench::parse_server_frame(server_frame(0xC1, "x"), 1024).status == ParseStatus::invalid);
    CHECK(bench::parse_server_frame(server_frame(0x89, std::string(126, 'p')), 1024).status ==
          ParseStatus::invalid);
    CHECK(bench::parse_server_frame(server_frame(0x09, "p"), 1024).status == ParseStatus::invalid);
    CHECK(bench::parse_server_frame(server_frame(0x83, "x"), 1024).status == ParseStatus::invalid);
    CHECK(bench::parse_server_frame(server_frame(0x81, std::string(2000, 'p')), 1024).status ==
          ParseStatus::invalid);
    const auto ping = bench::parse_server_frame(server_frame(0x89, "abc"), 1024);
    CHECK(ping.status == ParseStatus::complete && ping.frame.opcode == bench::Opcode::ping);
    const auto fragment = bench::parse_server_frame(server_frame(0x01, "abc"), 1024);
    CHECK(fragment.status == ParseStatus::complete && !fragment.frame.fin);
    // A server must use the shortest length form, and a close payload is empty or holds a code.
    const std::string long_form_of_5 = std::string("\x81\x7e\x00\x05", 4) + "hello";
    CHECK(bench::parse_server_frame(long_form_of_5, 1024).status == ParseStatus::invalid);
    std::string long_form_of_200 = std::string("\x81\x7f", 2) + std::string(7, '\0') + "\xc8";
    long_form_of_200 += std::string(200, 'p');
    CHECK(bench::parse_server_frame(long_form_of_200, 1024).status == ParseStatus::invalid);
    CHECK(bench::parse_server_frame(server_frame(0x88, "x"), 1024).status == ParseStatus::invalid);
}

void test_client_frames_are_masked() {
    for (std::size_t size : {3u, 200u, 70000u}) {
        std::string payload(size, '\0');
        for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>('a' + i % 26);
        std::string out = "prefix";
        bench::append_client_frame(out, bench::Opcode::text, payload, 0xA1B2C3D4u);
        const auto* bytes = reinterpret_cast<const unsigned char*>(out.data()) + 6;
        CHECK(bytes[0] == 0x81);
        CHECK((bytes[1] & 0x80) != 0);
        std::size_t header = 2;
        std::uint64_t length = bytes[1] & 0x7F;
        if (length == 126) {
            length = (bytes[2] << 8) | bytes[3];
            header = 4;
        } else if (length == 127) {
            length = 0;
            for (int i = 2; i < 10; ++i) length = (length << 8) | bytes[i];
            header = 10;
        }
        CHECK(length == size);
        const unsigned char* mask = bytes + header;
        std::string unmasked(size, '\0');
        for (std::size_t i = 0; i < size; ++i)
            unmasked[i] = static_cast<char>(bytes[header + 4 + i] ^ mask[i & 3]);
        CHECK(unmasked == payload);
        CHECK(out.size() == 6 + header + 4 + size);
    }
}

void test_json_scan() {
    const std::string message =
        R"({"channel":"bench","from":"b_1","seq":42,"text":"t=5 s=0 n=1 xx","ts":1700,"type":"message"})";
    std::string type, text, seq;
    CHECK(bench::visit_json_fields(message, [&](std::string_view key, std::string_view value) {
        if (key == "type") type = value;
        if (key == "text") text = value;
        if (key == "seq") seq = value;
    }));
    CHECK(type == "message" && text == "t=5 s=0 n=1 xx" && seq == "42");

    // Nested values with brackets and quotes inside strings do not confuse the top level.
    const std::string joined =
        R"( { "type" : "joined", "history":[{"text":"a } ] \" {","type":"message"}], "members":["x"], "gap":false } )";
    std::vector<std::string> keys;
    CHECK(bench::visit_json_fields(joined, [&](std::string_view key, std::string_view value) {
        keys.emplace_back(key);
        if (key == "type") type = value;
    }));
    CHECK(type == "joined");
    CHECK((keys == std::vector<std::string>{"type", "history", "members", "gap"}));

    CHECK(!bench::visit_json_fields("[1,2]", [](auto, auto) {}));
    CHECK(!bench::visit_json_fields(R"({"type":"x")", [](auto, auto) {}));
    CHECK(bench::visit_json_fields("{}", [](auto, auto) {}));
}

void test_stamp() {
    std::string text;
    bench::append_stamped_text(text, {123456789012345, 7, 99}, 64);
    CHECK(text.size() == 64);
    CHECK(text.rfind("t=123456789012345 s=7 n=99 x", 0) == 0);
    const auto stamp = bench::parse_stamp(text);
    CHECK(stamp && stamp->sent_ns == 123456789012345 && stamp->sender == 7 && stamp->seq == 99);
    std::string short_text;
    bench::append_stamped_text(short_text, {1, 2, 3}, 4);
    CHECK(short_text == "t=1 s=2 n=3 ");
    CHECK(!bench::parse_stamp("hello world"));
    CHECK(!bench::parse_stamp("t=12 s=x n=1 "));
}

void test_histogram() {
    bench::LatencyHistogram histogram;
    for (std::int64_t v = 1; v <= 100000; ++v) histogram.record(v * 1000);  // 1 us .. 100 ms
    CHECK(histogram.count() == 100000);
    CHECK(histogram.max() == 100000000);
    const auto near = [](std::int64_t value, double expected) {
        return value > expected * 0.99 && value < expected * 1.01;
    };
    CHECK(near(histogram.percentile(0.5), 50e6));
    CHECK(near(histogram.percentile(0.99), 99e6));
    bench::LatencyHistogram other;
    other.record(500);
    histogram.merge(other);
    CHECK(histogram.count() == 100001);
    CHECK(near(histogram.percentile(0.0), 500));
}

void test_options() {
    const auto fanout = parse({"fanout"});
    CHECK(fanout.clients == 1000 && fanout.senders == 20 && fanout.channels == 1);
    CHECK(fanout.window == 1 && fanout.rate == 0 && fanout.text_size == 64);
    const auto rooms = parse({"--scenario=rooms", "--clients", "300", "--rate=150"});
    CHECK(rooms.channels == 10 && rooms.senders == 300 && rooms.rate == 150);
    const auto raw =
        parse({"fanout", "--raw", "--url", "ws://localhost:9001/", "--duration", "3s"});
    CHECK(raw.raw && raw.duration_s == 3);
    CHECK(parse({"--help"}).help);
    const auto two = parse({"fanout", "--url", "ws://127.0.0.1:1/ws", "--url=ws://127.0.0.2:2/ws"});
    CHECK((two.urls == std::vector<std::string>{"ws://127.0.0.1:1/ws", "ws://127.0.0.2:2/ws"}));
    CHECK(parse({"fanout"}).urls.size() == 1);
    CHECK(parse({"fanout", "--clients", "5"}).senders == 5);
    CHECK(parse({"idle", "--clients", "5"}).senders == 0);
    CHECK(usage_error({}));
    CHECK(usage_error({"storm"}));
    CHECK(usage_error({"fanout", "--clients"}));
    CHECK(usage_error({"fanout", "--clients", "0"}));
    CHECK(usage_error({"fanout", "--clients", "10", "--senders", "11"}));
    CHECK(usage_error({"fanout", "--channels", "2"}));
    CHECK(usage_error({"idle", "--rate", "5"}));
    CHECK(usage_error({"rooms", "--raw"}));
    CHECK(usage_error({"fanout", "--url", "http://127.0.0.1/"}));
    CHECK(usage_error({"fanout", "--url", "ws://10.0.0.1:80/ws"}));
    CHECK(usage_error({"fanout", "--duration", "-1"}));
    CHECK(usage_error({"fanout", "--nick-prefix", "bad nick"}));
    CHECK(usage_error({"fanout", "extra", "args"}));
}

void test_history_options() {
    const auto history = parse({"history"});
    CHECK(history.events == 1000000 && !history.no_fill && history.readers == 1);
    CHECK(history.clients == 4 && history.window == 64 && history.channels == 1);
    const auto again = parse({"history", "--no-fill", "--readers", "2", "--data", "/x/p.db"});
    CHECK(again.no_fill && again.readers == 2 && again.data_file == "/x/p.db");
    CHECK(parse({"history", "--channels", "8"}).channels == 8);  // more channels than clients
    CHECK(usage_error({"history", "--raw"}));
    CHECK(usage_error({"history", "--rate", "5"}));
    CHECK(usage_error({"history", "--events", "0"}));
    CHECK(usage_error({"fanout", "--no-fill"}));
    CHECK(usage_error({"rooms", "--events", "5"}));
}

// Plays the server for a fill client: every command succeeds. Its edits and deletions must go to
// its own live messages, its reactions to live ones and never twice the same, and the mix must
// be mostly says with every kind of change present.
void test_fill_mix() {
    bench::FillMix mix({"room"}, 64, 42);
    std::string json;
    std::uint64_t seq = 0;
    std::set<std::uint64_t> mine, deleted;
    std::set<std::pair<std::string, std::string>> given;  // (target, emoji)
    std::map<std::string, int> kinds;
    bool targets_ok = true, shapes_ok = true;
    for (std::uint64_t id = 1; id <= 4000; ++id) {
        const bench::PendingOp op = mix.next(json, id);
        std::string_view type, channel, target, text, emoji, reply_to, id_text;
        shapes_ok &= bench::visit_json_fields(json, [&](std::string_view key, std::string_view v) {
            if (key == "type") type = v;
            if (key == "channel") channel = v;
            if (key == "seq") target = v;
            if (key == "text") text = v;
            if (key == "emoji") emoji = v;
            if (key == "reply_to") reply_to = v;
            if (key == "id") id_text = v;
        });
        ++kinds[std::string(type)];
        shapes_ok &= channel == "room" && id_text == std::to_string(id);
        shapes_ok &= (type == "say" || type == "edit") == (text.size() == 64);
        shapes_ok &= (type == "react" || type == "unreact") == !emoji.empty();
        shapes_ok &= (type == "say") == target.empty();
        const std::uint64_t number = std::stoull(std::string(type == "say" ? "0" : target));
        if (type == "edit" || type == "delete")
            targets_ok &= mine.count(number) == 1 && deleted.count(number) == 0;
        if (type == "react")
            targets_ok &= deleted.count(number) == 0 &&
                          given.insert({std::string(target), std::string(emoji)}).second;
        if (type == "unreact")
            targets_ok &= given.erase({std::string(target), std::string(emoji)}) == 1;
        if (!reply_to.empty()) targets_ok &= deleted.count(std::stoull(std::string(reply_to))) == 0;
        ++seq;
        if (type == "say") {
            mine.insert(seq);
            mix.on_message(0, seq);
        }
        if (type == "delete") {
            deleted.insert(number);
            mix.on_deleted(0, number);
        }
        mix.on_ok(op, seq);
    }
    CHECK(shapes_ok);
    CHECK(targets_ok);
    CHECK(kinds["say"] > 2000 && kinds["say"] < 2800);
    CHECK(kinds["react"] > 700 && kinds["edit"] > 150 && kinds["unreact"] > 80);
    CHECK(kinds["delete"] > 60);
}

void test_history_page_scan() {
    bench::PageStats stats;
    CHECK(bench::scan_history_page(
        R"({"channel":"c","id":3,"messages":[{"seq":4,"text":"a b","from":"x"},)"
        R"({"seq":9,"edited_ts":5,"text":"]}","reactions":{"👍":["x","y"]},"reply_to":4},)"
        R"({"seq":12,"deleted":true}],"type":"history"})",
        stats));
    CHECK(stats.messages == 3 && stats.with_reactions == 1 && stats.edited == 1);
    CHECK(stats.deleted == 1 && stats.replies == 1 && stats.highest_seq == 12);
    bench::PageStats empty;
    CHECK(bench::scan_history_page(R"({"type":"history","messages":[]})", empty));
    CHECK(empty.messages == 0);
    CHECK(!bench::scan_history_page(R"({"type":"error","code":"busy"})", empty));
}

void test_handshake() {
    const auto target = bench::parse_ws_url("ws://127.0.0.1:8080/ws");
    CHECK(target.path == "/ws" && target.host_header == "127.0.0.1:8080");
    const unsigned char key[16] = {0};
    const std::string request = bench::make_upgrade_request(target, key);
    CHECK(request.rfind("GET /ws HTTP/1.1\r\n", 0) == 0);
    CHECK(request.find("Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n") != std::string::npos);
    CHECK(request.size() > 4 && request.substr(request.size() - 4) == "\r\n\r\n");
    using bench::UpgradeStatus;
    CHECK(bench::check_upgrade_response("HTTP/1.1 101 Switching").status ==
          UpgradeStatus::incomplete);
    const auto accepted = bench::check_upgrade_response(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81");
    CHECK(accepted.status == UpgradeStatus::accepted);
    CHECK(accepted.header_size ==
          std::strlen("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"));
    const auto refused = bench::check_upgrade_response("HTTP/1.1 403 Forbidden\r\n\r\n");
    CHECK(refused.status == UpgradeStatus::refused &&
          refused.status_line == "HTTP/1.1 403 Forbidden");
}

}  // namespace

int main() {
    test_parser_lengths_and_splits();
    test_parser_rejects_bad_frames();
    test_client_frames_are_masked();
    test_json_scan();
    test_stamp();
    test_histogram();
    test_options();
    test_handshake();
    test_history_options();
    test_fill_mix();
    test_history_page_scan();
    test_welcome();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
