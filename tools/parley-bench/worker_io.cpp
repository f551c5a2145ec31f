
#include "worker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "ws_handshake.hpp"

namespace bench {
namespace {

// Frames larger than this are treated as a protocol error: no server frame in a benchmark is
// anywhere near it, and it bounds what a broken server can make us buffer.
constexpr std::uint64_t max_frame_payload = 64ull << 20;
constexpr std::size_t max_upgrade_response = 16 * 1024;
constexpr std::int64_t close_timeout_ns = 2'000'000'000;

bool is_handshaking(ClientState state) {
    return state == ClientState::connecting || state == ClientState::upgrading ||
           state == ClientState::awaiting_welcome || state == ClientState::awaiting_joined;
}

std::string describe_errno(const char* what, int error) {
    return std::string(what) + ": " + std::strerror(error);
}

}  // namespace

std::uint32_t Worker::index_of(const Client& client) const {
    return static_cast<std::uint32_t>(&client - clients_.data());
}

std::uint32_t Worker::next_random() {
    // xorshift64*: plenty for mask keys and handshake keys, and nearly free.
    random_state_ ^= random_state_ >> 12;
    random_state_ ^= random_state_ << 25;
    random_state_ ^= random_state_ >> 27;
    return static_cast<std::uint32_t>((random_state_ * 0x2545F4914F6CDD1Dull) >> 32);
}

void Worker::set_state(Client& client, ClientState state) {
    if (is_handshaking(client.state)) --handshaking_;
    if (client.state == ClientState::closing) --closing_;
    client.state = state;
    if (is_handshaking(state)) ++handshaking_;
    if (state == ClientState::closing) ++closing_;
}

void Worker::open(Client& client, std::int64_t now) {
    client.inbox.clear();
    client.outbox.clear();
    client.fragments.clear();
    ++client.attempts;
    client.started_ns = now;
    client.deadline_ns = now + static_cast<std::int64_t>(options_.handshake_timeout_s * 1e9);

    // A source address whose ports are used up answers EADDRNOTAVAIL; move on to the next one.
    for (std::uint32_t tries = 0; tries <= options_.max_addresses; ++tries) {
        const std::uint32_t offset = control_.addresses.next();
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            set_state(client, ClientState::connecting);
            fail(client, describe_errno("socket", errno));
            return;
        }
        const int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        if (offset > 0) {
            // Without this, bind() would reserve a port for every destination; with it the port
            // is chosen at connect() and only the four-tuple has to be unique.
            setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
            sockaddr_in source{};
            source.sin_family = AF_INET;
            source.sin_addr.s_addr = htonl((127u << 24) | (1u + offset));
            if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
                const int error = errno;
                ::close(fd);
                if (error == EADDRNOTAVAIL || error == EADDRINUSE) {
                    control_.addresses.exhausted(offset);
                    continue;
                }
                set_state(client, ClientState::connecting);
                fail(client, describe_errno("bind", error));
                return;
            }
        }
        const auto& target = plan_.target_of(client.id).address;
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0 &&
            errno != EINPROGRESS) {
            const int error = errno;
            ::close(fd);
            if (error == EADDRNOTAVAIL) {
                control_.addresses.exhausted(offset);
                continue;
            }
            set_state(client, ClientState::connecting);
            fail(client, describe_errno("connect", error));
            return;
        }
        // Edge-triggered, registered once for both directions: no epoll_ctl per write.
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        event.data.u32 = index_of(client);
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
        client.fd = fd;
        client.source_offset = static_cast<std::uint8_t>(offset);
        set_state(client, ClientState::connecting);
        return;
    }
    set_state(client, ClientState::connecting);
    fail(client, "every source address is out of ports");
}

void Worker::on_event(Client& client, std::uint32_t events, std::int64_t now) {
    if (client.fd < 0) return;
    if (client.state == ClientState::connecting) {
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) finish_connect(client, now);
        return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(client, now);
    if (client.fd >= 0 && (events & EPOLLOUT) && !client.outbox.empty()) flush(client);
}

void Worker::finish_connect(Client& client, std::int64_t now) {
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(client.fd, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
        if (error == EADDRNOTAVAIL) control_.addresses.exhausted(client.source_offset);
        fail(client, describe_errno("connect", error));
        return;
    }
    unsigned char key[16];
    for (int i = 0; i < 16; i += 4) {
        const std::uint32_t word = next_random();
        std::memcpy(key + i, &word, 4);
    }
    set_state(client, ClientState::upgrading);
    write_out(client, make_upgrade_request(plan_.target_of(client.id), key));
    (void)now;
}

void Worker::on_readable(Client& client, std::int64_t now) {
    while (client.fd >= 0) {
        const ssize_t received = ::recv(client.fd, read_buffer_.data(), read_buffer_.size(), 0);
        if (received > 0) {
            on_bytes(client,
                     std::string_view(read_buffer_.data(), static_cast<std::size_t>(received)),
                     now);
            // A short read emptied the socket; edge-triggered epoll reports the next arrival,
            // so the extra recv() that would only say EAGAIN is skipped.
            if (static_cast<std::size_t>(received) < read_buffer_.size()) return;
            continue;
        }
        if (received == 0) {
            if (client.state == ClientState::closing)
                finish_close(client);
            else
                fail(client, "connection closed by the server without a close frame");
            return;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (client.state == ClientState::closing)
            finish_close(client);
        else
            fail(client, describe_errno("recv", errno));
        return;
    }
}

void Worker::on_bytes(Client& client, std::string_view bytes, std::int64_t now) {
    if (client.state != ClientState::upgrading) {
        on_frames(client, bytes, now);
        return;
    }
    client.inbox.append(bytes);
    const UpgradeResult result = check_upgrade_response(client.inbox);
    if (result.status == UpgradeStatus::incomplete) {
        if (client.inbox.size() > max_upgrade_response) fail(client, "upgrade: response too large");
        return;
    }
    if (result.status == UpgradeStatus::refused) {
        fail(client, "upgrade refused: " + result.status_line);
        return;
    }
    std::string early_frames = client.inbox.substr(result.header_size);
    client.inbox.clear();
    on_upgraded(client, now);
    if (client.fd >= 0 && !early_frames.empty()) on_frames(client, early_frames, now);
}

void Worker::on_frames(Client& client, std::string_view bytes, std::int64_t now) {
    // Most reads end on a frame boundary: parse straight from the read buffer and copy only the
    // tail of a frame that is still incomplete.
    const bool buffered = !client.inbox.empty();
    if (buffered) client.inbox.append(bytes);
    const std::string_view view = buffered ? std::string_view(client.inbox) : bytes;
    std::size_t offset = 0;
    for (;;) {
        const ParseResult result = parse_server_frame(view.substr(offset), max_frame_payload);
        if (result.status == ParseStatus::incomplete) break;
        if (result.status == ParseStatus::invalid) {
            fail(client, std::string("protocol error: ") + result.error);
            return;
        }
        offset += result.frame.frame_size;
        on_frame(client, result.frame, now);
        if (client.fd < 0) return;  // released: its buffers are gone, touch nothing
    }
    if (buffered)
        client.inbox.erase(0, offset);
    else
        client.inbox.assign(view.substr(offset));
}

void Worker::on_frame(Client& client, const FrameView& frame, std::int64_t now) {
    switch (frame.opcode) {
        case Opcode::text:
        case Opcode::binary:
            if (!frame.fin)
                client.fragments.assign(frame.payload);
            else
                on_message(client, frame.payload, now);
            return;
        case Opcode::continuation:
            client.fragments.append(frame.payload);
            if (frame.fin) {
                const std::string whole = std::move(client.fragments);
                client.fragments.clear();
                on_message(client, whole, now);
            }
            return;
        case Opcode::ping:
            send_frame(client, Opcode::pong, frame.payload);
            return;
        case Opcode::pong:
            return;
        case Opcode::close: {
            if (client.state == ClientState::closing) {
                finish_close(client);
                return;
            }
            const auto* bytes = reinterpret_cast<const unsigned char*>(frame.payload.data());
            const int code = frame.payload.size() >= 2 ? (bytes[0] << 8) | bytes[1] : 1005;
            std::string reason = "server closed with " + std::to_string(code);
            if (frame.payload.size() > 2)
                reason += " \"" + std::string(frame.payload.substr(2, 60)) + "\"";
            send_frame(client, Opcode::close, frame.payload.substr(0, 2));
            fail(client, reason);
            return;
        }
    }
}

void Worker::send_frame(Client& client, Opcode opcode, std::string_view payload) {
    if (client.fd < 0) return;
    if (!client.outbox.empty()) {
        // Already waiting for EPOLLOUT: queue behind what is there.
        append_client_frame(client.outbox, opcode, payload, next_random());
        return;
    }
    frame_buffer_.clear();
    append_client_frame(frame_buffer_, opcode, payload, next_random());
    write_out(client, frame_buffer_);
}

void Worker::write_out(Client& client, std::string_view bytes) {
    if (!client.outbox.empty()) {
        client.outbox.append(bytes);
        return;
    }
    auto done = send_some(client, bytes);
    if (done && *done < bytes.size()) client.outbox.append(bytes.substr(*done));
}

std::optional<std::size_t> Worker::send_some(Client& client, std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t sent =
            ::send(client.fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (sent > 0) {
            done += static_cast<std::size_t>(sent);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        fail(client, describe_errno("send", errno));
        return std::nullopt;
    }
    return done;
}

void Worker::flush(Client& client) {
    if (auto done = send_some(client, client.outbox)) client.outbox.erase(0, *done);
}

void Worker::begin_close(Client& client, std::int64_t now) {
    static constexpr char normal_closure[] = {'\x03', '\xE8'};  // 1000
    send_frame(client, Opcode::close, std::string_view(normal_closure, 2));
    if (client.fd < 0) return;
    set_state(client, ClientState::closing);
    client.deadline_ns = now + close_timeout_ns;
}

void Worker::release(Client& client) {
    if (client.fd >= 0) ::close(client.fd);  // also leaves the epoll set
    client.fd = -1;
    set_state(client, ClientState::closed);
    std::string().swap(client.inbox);
    std::string().swap(client.outbox);
    std::string().swap(client.fragments);
}

void Worker::finish_close(Client& client) {
    release(client);
    if (connect_mode_) {
        set_state(client, ClientState::waiting);
        waiting_.push(index_of(client));
    }
}

void Worker::fail(Client& client, const std::string& reason) {
    const ClientState state = client.state;
    if (state == ClientState::closing) {
        finish_close(client);
        return;
    }
    if (state == ClientState::ready) {
        // After setup a client is never reopened: a lost client is a finding, not noise.
        ++failures_["lost after joining: " + reason];
        counters_.lost.add();
        release(client);
        return;
    }
    ++failures_[reason];
    release(client);
    if (connect_mode_) {
        if (phase_ == Phase::measure) counters_.failed.add();
        set_state(client, ClientState::waiting);
        waiting_.push(index_of(client));
        return;
    }
    constexpr std::uint8_t max_attempts = 3;
    if (client.attempts < max_attempts && phase_ <= Phase::measure) {
        set_state(client, ClientState::waiting);
        waiting_.push(index_of(client));
    } else {
        counters_.failed.add();
    }
}

}  // namespace bench
