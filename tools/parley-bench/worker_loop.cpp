#include "worker.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <ctime>
#include <stdexcept>

namespace bench {
namespace {

constexpr std::size_t read_buffer_size = 64 * 1024;  // stays in L2 between recv and parse
constexpr int max_events = 512;
// How late a worker may notice a phase change: bounds the skew of the measured window.
constexpr int idle_wait_ms = 5;
constexpr std::int64_t deadline_check_interval_ns = 100'000'000;

}  // namespace

std::int64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

Worker::Worker(RunControl& control, std::uint32_t index, std::vector<std::uint32_t> client_ids,
               std::uint32_t connect_slots)
    : control_(control),
      plan_(control.plan),
      options_(control.plan.options),
      index_(index),
      read_buffer_(read_buffer_size),
      random_state_(0x9E3779B97F4A7C15ull ^ (std::uint64_t{index} << 32) ^
                    static_cast<std::uint64_t>(monotonic_ns())) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw std::runtime_error("epoll_create1 failed");

    connect_mode_ = options_.scenario == Scenario::connect;
    if (connect_mode_) {
        clients_.resize(connect_slots);
        for (std::uint32_t i = 0; i < connect_slots; ++i) waiting_.push(i);
        return;
    }
    clients_.resize(client_ids.size());
    for (std::uint32_t i = 0; i < client_ids.size(); ++i) {
        Client& client = clients_[i];
        client.id = client_ids[i];
        client.channel = plan_.channel_of(client.id);
        client.position = plan_.position_of(client.id);
        client.last_seq.assign(plan_.senders_per_channel[client.channel], 0);
        if (plan_.options.senders > 0 && plan_.is_sender(client.id)) {
            client.sender = static_cast<std::int32_t>(senders_.size());
            Sender sender;
            sender.client = i;
            // Enough slots for every say that can await its ok: the window in a closed loop; in an
            // open loop, a generous guess (a slower ok only loses its latency sample).
            const std::size_t slots = options_.rate > 0 ? 256 : std::bit_ceil(2 * options_.window);
            sender.sent_at.resize(std::max<std::size_t>(slots, 8));
            senders_.push_back(std::move(sender));
        }
        waiting_.push(i);
    }
}

Worker::~Worker() {
    for (Client& client : clients_)
        if (client.fd >= 0) ::close(client.fd);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void Worker::run() {
    epoll_event events[max_events];
    for (;;) {
        phase_ = control_.phase.load(std::memory_order_acquire);
        if (phase_ == Phase::stop) break;
        std::int64_t now = monotonic_ns();
        if (!senders_started_ && sending_allowed()) start_senders(now);
        open_waiting_clients(now);

        const int ready = epoll_wait(epoll_fd_, events, max_events, wait_timeout_ms(now));
        if (ready < 0 && errno != EINTR) throw std::runtime_error("epoll_wait failed");
        for (int i = 0; i < ready; ++i) {
            now = monotonic_ns();
            on_event(clients_[events[i].data.u32], events[i].events, now);
        }
        now = monotonic_ns();
        if (options_.rate > 0) send_due_messages(now);
        if (now >= next_deadline_check_ns_) {
            check_deadlines(now);
            next_deadline_check_ns_ = now + deadline_check_interval_ns;
        }
    }
    close_everything();
}

bool Worker::sending_allowed() const {
    return phase_ == Phase::warmup || phase_ == Phase::measure;
}

void Worker::open_waiting_clients(std::int64_t now) {
    // The connect scenario cycles only while it is being timed; the others open during setup and
    // retry failed attempts until the measurement ends.
    if (connect_mode_ ? !sending_allowed() : phase_ > Phase::measure) return;
    const std::uint32_t limit = connect_mode_ ? ~0u : options_.max_pending;
    // Bounded by what is waiting now: an attempt that fails at once queues itself again.
    for (std::size_t n = waiting_.size(); n > 0 && handshaking_ < limit; --n) {
        const std::uint32_t index = waiting_.front();
        waiting_.pop();
        if (connect_mode_) clients_[index].id = next_connect_id_++ * options_.threads + index_;
        open(clients_[index], now);
    }
}

void Worker::start_senders(std::int64_t now) {
    senders_started_ = true;
    if (senders_.empty()) return;
    if (options_.rate <= 0) {
        for (Sender& sender : senders_)
            for (std::uint32_t i = 0; i < options_.window; ++i) send_message(sender, now);
        return;
    }
    // Every sender sends at rate / senders; their first sends are spread over one interval so
    // the load does not arrive in lockstep bursts.
    send_interval_ns_ = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(1e9 * options_.senders / options_.rate));
    for (std::uint32_t i = 0; i < senders_.size(); ++i) {
        const auto id = clients_[senders_[i].client].id;
        const std::int64_t offset = send_interval_ns_ * id / options_.senders;
        timetable_.push({now + offset, i});
    }
}

void Worker::send_due_messages(std::int64_t now) {
    if (!sending_allowed()) return;
    while (!timetable_.empty() && timetable_.top().first <= now) {
        auto [due, index] = timetable_.top();
        timetable_.pop();
        Sender& sender = senders_[index];
        if (clients_[sender.client].state != ClientState::ready) continue;  // lost: drop it
        send_message(sender, now);
        timetable_.push({due + send_interval_ns_, index});
    }
}

int Worker::wait_timeout_ms(std::int64_t now) const {
    int timeout = idle_wait_ms;
    if (options_.rate > 0 && sending_allowed() && !timetable_.empty()) {
        const std::int64_t until = timetable_.top().first - now;
        // Rounded up: waking early would spin on epoll_wait(0) until the send is due. A send
        // may so leave up to 1 ms late; its stamp carries the real send time.
        const std::int64_t until_ms = (until + 999'999) / 1'000'000;
        timeout = until <= 0 ? 0 : std::min<int>(timeout, static_cast<int>(until_ms));
    }
    return timeout;
}

void Worker::check_deadlines(std::int64_t now) {
    if (handshaking_ == 0 && closing_ == 0) return;
    for (Client& client : clients_) {
        if (client.fd < 0 || client.deadline_ns > now) continue;
        switch (client.state) {
            case ClientState::connecting:
                fail(client, "timeout: connecting");
                break;
            case ClientState::upgrading:
                fail(client, "timeout: waiting for 101");
                break;
            case ClientState::awaiting_welcome:
                fail(client, "timeout: waiting for welcome");
                break;
            case ClientState::awaiting_joined:
                fail(client, "timeout: waiting for joined");
                break;
            case ClientState::closing:
                finish_close(client);
                break;
            default:
                break;
        }
    }
}

void Worker::close_everything() {
    // Best effort: say goodbye so the server logs a normal close, but do not wait for replies.
    static constexpr char going_away[] = {'\x03', '\xE9'};  // 1001
    for (Client& client : clients_) {
        if (client.fd < 0) continue;
        if (client.state == ClientState::ready && client.outbox.empty()) {
            frame_buffer_.clear();
            append_client_frame(frame_buffer_, Opcode::close, std::string_view(going_away, 2),
                                next_random());
            [[maybe_unused]] auto sent =
                ::send(client.fd, frame_buffer_.data(), frame_buffer_.size(), MSG_NOSIGNAL);
        }
        release(client);
    }
}

}  // namespace bench
