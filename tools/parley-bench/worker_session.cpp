#include "worker.hpp"

#include "json_scan.hpp"
#include "text_stamp.hpp"

namespace bench {

std::string Worker::nick_of(const Client& client) const {
    return options_.nick_prefix + "_" + std::to_string(client.id);
}

void Worker::send_command(Client& client, std::string_view json) {
    send_frame(client, Opcode::text, json);
}

void Worker::on_upgraded(Client& client, std::int64_t now) {
    if (options_.raw) {
        on_ready(client, now);
        return;
    }
    set_state(client, ClientState::awaiting_welcome);
    send_command(client, R"({"type":"hello","nick":")" + nick_of(client) + "\"}");
}

void Worker::on_ready(Client& client, std::int64_t now) {
    set_state(client, ClientState::ready);
    if (connect_mode_) {
        if (measuring()) {
            counters_.handshakes.add();
            handshake_latency_.record(now - client.started_ns);
        }
        begin_close(client, now);
        return;
    }
    handshake_latency_.record(now - client.started_ns);
    counters_.ready.add();
}

void Worker::on_message(Client& client, std::string_view text, std::int64_t now) {
    if (options_.raw) {
        if (client.state == ClientState::ready) on_delivery(client, text, now);
        return;
    }
    std::string_view type, body, code, id;
    visit_json_fields(text, [&](std::string_view key, std::string_view value) {
        if (key == "type")
            type = value;
        else if (key == "text")
            body = value;
        else if (key == "code")
            code = value;
        else if (key == "id")
            id = value;
    });

    switch (client.state) {
        case ClientState::awaiting_welcome:
            if (type == "welcome") {
                if (connect_mode_) {
                    on_ready(client, now);
                    return;
                }
                set_state(client, ClientState::awaiting_joined);
                send_command(client, R"({"type":"join","channel":")" +
                                         plan_.channel_names[client.channel] + "\"}");
            } else if (type == "error") {
                fail(client, "hello refused: " + std::string(code));
            }
            return;
        case ClientState::awaiting_joined:
            if (type == "joined")
                on_ready(client, now);
            else if (type == "error")
                fail(client, "join refused: " + std::string(code));
            return;
        case ClientState::ready:
            if (type == "message") {
                on_delivery(client, body, now);
            } else if (type == "ok") {
                counters_.acked.add();
                on_ack(client, id, now);
            } else if (type == "error") {
                counters_.errors.add();
                ++error_codes_[std::string(code)];
                // A refused say (rate_limited, busy, ...) will never be delivered: stop expecting
                // it, and in a closed loop let the sender go on.
                if (client.sender >= 0 && !id.empty()) {
                    Sender& sender = senders_[static_cast<std::size_t>(client.sender)];
                    if (sender.in_flight > 0) --sender.in_flight;
                    counters_.expected.subtract(plan_.members_per_channel[client.channel]);
                    if (options_.rate <= 0 && sending_allowed()) send_message(sender, now);
                }
            }
            return;
        default:
            return;
    }
}

void Worker::on_delivery(Client& client, std::string_view text, std::int64_t now) {
    counters_.deliveries.add();
    const auto stamp = parse_stamp(text);
    if (!stamp) return;  // not ours (another tool, history): counted, but says nothing more
    if (measuring()) delivery_latency_.record(now - stamp->sent_ns);

    if (stamp->sender < client.last_seq.size()) {
        std::uint32_t& last = client.last_seq[stamp->sender];
        if (stamp->seq == last + 1) {
            last = stamp->seq;
        } else if (stamp->seq > last + 1) {
            counters_.gaps.add(stamp->seq - last - 1);
            last = stamp->seq;
        } else {
            counters_.duplicates.add();
        }
    }
    // Our own message came back: closed loop, one more may go.
    if (client.sender >= 0 && stamp->sender == client.position) {
        Sender& sender = senders_[static_cast<std::size_t>(client.sender)];
        if (sender.in_flight > 0) --sender.in_flight;
        if (options_.rate <= 0 && sending_allowed()) send_message(sender, now);
    }
}

void Worker::on_ack(Client& client, std::string_view id, std::int64_t now) {
    if (client.sender < 0 || !measuring() || id.empty()) return;
    std::uint32_t seq = 0;
    for (const char c : id) {
        if (c < '0' || c > '9') return;
        seq = seq * 10 + static_cast<std::uint32_t>(c - '0');
    }
    Sender& sender = senders_[static_cast<std::size_t>(client.sender)];
    const SentAt& sent = sender.sent_at[seq % sender.sent_at.size()];
    if (sent.seq == seq) ack_latency_.record(now - sent.ns);
}

void Worker::send_message(Sender& sender, std::int64_t now) {
    Client& client = clients_[sender.client];
    if (client.state != ClientState::ready) return;
    const Stamp stamp{now, client.position, sender.next_seq++};
    payload_buffer_.clear();
    if (options_.raw) {
        append_stamped_text(payload_buffer_, stamp, options_.text_size);
    } else {
        payload_buffer_ += R"({"type":"say","channel":")";
        payload_buffer_ += plan_.channel_names[client.channel];
        payload_buffer_ += R"(","text":")";
        append_stamped_text(payload_buffer_, stamp, options_.text_size);
        payload_buffer_ += R"(","id":)";
        payload_buffer_ += std::to_string(stamp.seq);
        payload_buffer_ += '}';
    }
    sender.sent_at[stamp.seq % sender.sent_at.size()] = SentAt{stamp.seq, now};
    ++sender.in_flight;
    counters_.sent.add();
    counters_.expected.add(plan_.members_per_channel[client.channel]);
    send_frame(client, Opcode::text, payload_buffer_);
}

}  // namespace bench
