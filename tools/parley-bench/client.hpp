#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

enum class ClientState : std::uint8_t {
    waiting,           // not opened yet, or waiting to be reopened
    connecting,        // non-blocking connect() in progress
    upgrading,         // upgrade request sent, reading the HTTP response
    awaiting_welcome,  // hello sent
    awaiting_joined,   // join sent
    ready,             // in its channel: sends and receives messages
    closing,           // our close frame sent, waiting for the server's
    closed,
};

// One WebSocket client. Kept small (a few dozen bytes plus buffers that are empty most of the
// time) because an idle run holds up to 19,000 of them.
struct Client {
    int fd = -1;
    ClientState state = ClientState::waiting;
    std::uint8_t attempts = 0;
    std::uint8_t source_offset = 0;  // 127.0.0.(1+offset)
    std::uint32_t id = 0;            // global client number: its nick, channel and position
    std::uint32_t channel = 0;
    std::uint32_t position = 0;    // among the channel's members; the `s=` when it sends
    std::int32_t sender = -1;      // index into the worker's senders, or -1
    std::int64_t started_ns = 0;   // when the current attempt began
    std::int64_t deadline_ns = 0;  // for the handshake stages and closing
    std::string inbox;             // received bytes not yet parsed: a partial frame or HTTP head
    std::string outbox;            // bytes the socket did not take yet
    std::string fragments;         // a text message arriving in continuation frames
    std::vector<std::uint32_t> last_seq;  // per sender of the channel: the highest seq seen
};

// When a message was sent, kept until its `ok` comes back (the say's id is its seq).
struct SentAt {
    std::uint32_t seq = 0;
    std::int64_t ns = 0;
};

// A client that sends; closed loop keeps `in_flight` at the window, open loop follows a timetable.
struct Sender {
    std::uint32_t client = 0;  // index into the worker's clients
    std::uint32_t next_seq = 1;
    std::uint32_t in_flight = 0;
    std::vector<SentAt>
        sent_at;  // ring indexed by seq; a slot overwritten before its ok is skipped
};

}  // namespace bench
