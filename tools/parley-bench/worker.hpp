#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "client.hpp"
#include "latency_histogram.hpp"
#include "run_plan.hpp"
#include "worker_counters.hpp"
#include "ws_frame.hpp"

namespace bench {

// One thread with its own epoll set and its own clients. The main thread only moves the phase
// forward and reads counters; everything else here is touched by this thread alone.
// The class is split over three files by role: worker_loop.cpp (epoll loop, phases, timetable),
// worker_io.cpp (sockets, upgrade, frames) and worker_session.cpp (Parley or raw protocol).
class Worker {
  public:
    // `client_ids`: the clients this worker owns (fanout/rooms/idle). `connect_slots`: for the
    // connect scenario, how many connections this worker keeps cycling.
    Worker(RunControl& control, std::uint32_t index, std::vector<std::uint32_t> client_ids,
           std::uint32_t connect_slots);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    ~Worker();

    void run();

    const WorkerCounters& counters() const { return counters_; }
    // Read these only after the thread has finished.
    const LatencyHistogram& delivery_latency() const { return delivery_latency_; }
    const LatencyHistogram& handshake_latency() const { return handshake_latency_; }
    const LatencyHistogram& ack_latency() const { return ack_latency_; }
    const std::map<std::string, std::uint64_t>& failure_reasons() const { return failures_; }
    const std::map<std::string, std::uint64_t>& error_codes() const { return error_codes_; }

  private:
    // worker_loop.cpp
    void open_waiting_clients(std::int64_t now);
    void start_senders(std::int64_t now);
    void send_due_messages(std::int64_t now);
    void check_deadlines(std::int64_t now);
    int wait_timeout_ms(std::int64_t now) const;
    void close_everything();
    bool sending_allowed() const;
    bool measuring() const { return phase_ == Phase::measure; }

    // worker_io.cpp
    void open(Client& client, std::int64_t now);
    void on_event(Client& client, std::uint32_t events, std::int64_t now);
    void finish_connect(Client& client, std::int64_t now);
    void on_readable(Client& client, std::int64_t now);
    void on_bytes(Client& client, std::string_view bytes, std::int64_t now);
    void on_frames(Client& client, std::string_view bytes, std::int64_t now);
    void on_frame(Client& client, const FrameView& frame, std::int64_t now);
    void send_frame(Client& client, Opcode opcode, std::string_view payload);
    void write_out(Client& client, std::string_view bytes);
    void flush(Client& client);
    // Sends what the socket takes now; the bytes sent, or nothing when the client failed.
    std::optional<std::size_t> send_some(Client& client, std::string_view bytes);
    void begin_close(Client& client, std::int64_t now);
    void release(Client& client);
    void finish_close(Client& client);
    void set_state(Client& client, ClientState state);
    std::uint32_t index_of(const Client& client) const;
    void fail(Client& client, const std::string& reason);
    std::uint32_t next_random();

    // worker_session.cpp
    void on_upgraded(Client& client, std::int64_t now);
    void on_message(Client& client, std::string_view text, std::int64_t now);
    void on_delivery(Client& client, std::string_view text, std::int64_t now);
    void on_ready(Client& client, std::int64_t now);
    void send_message(Sender& sender, std::int64_t now);
    void on_ack(Client& client, std::string_view id, std::int64_t now);
    void send_command(Client& client, std::string_view json);
    std::string nick_of(const Client& client) const;

    RunControl& control_;
    const RunPlan& plan_;
    const Options& options_;
    const std::uint32_t index_;
    int epoll_fd_ = -1;
    Phase phase_ = Phase::setup;
    bool senders_started_ = false;

    std::vector<Client> clients_;
    std::vector<Sender> senders_;
    std::queue<std::uint32_t> waiting_;  // client indexes to open
    std::uint32_t handshaking_ = 0;      // clients between connect and ready
    std::uint32_t closing_ = 0;
    bool connect_mode_ = false;
    std::uint32_t next_connect_id_ = 0;

    using Due = std::pair<std::int64_t, std::uint32_t>;  // (time, sender index)
    std::priority_queue<Due, std::vector<Due>, std::greater<>> timetable_;
    std::int64_t send_interval_ns_ = 0;
    std::int64_t next_deadline_check_ns_ = 0;

    std::vector<char> read_buffer_;
    std::string frame_buffer_;    // reused to build outgoing frames
    std::string payload_buffer_;  // reused to build outgoing JSON / text
    std::uint64_t random_state_;

    WorkerCounters counters_;
    LatencyHistogram delivery_latency_;
    LatencyHistogram handshake_latency_;
    LatencyHistogram ack_latency_;  // say to ok
    std::map<std::string, std::uint64_t> failures_;
    std::map<std::string, std::uint64_t> error_codes_;
};

std::int64_t monotonic_ns();

}  // namespace bench
