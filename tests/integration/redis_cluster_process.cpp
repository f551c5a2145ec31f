#include "redis_cluster_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>
#include <thread>

namespace parley::test {

namespace {

// Runs a program to completion, its output discarded; returns its exit status.
int run(std::vector<std::string> args) {
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

RedisClusterProcess::RedisClusterProcess(int masters, int replicas_per_master,
                                         std::chrono::milliseconds node_timeout)
    : node_timeout_(node_timeout) {
    int count = masters * (1 + replicas_per_master);
    for (int i = 0; i < count; ++i) nodes_.push_back(start_node());
    std::vector<std::string> create = {"redis-cli", "--cluster", "create"};
    for (const auto& node : nodes_) create.push_back("127.0.0.1:" + std::to_string(node->port()));
    create.insert(create.end(),
                  {"--cluster-replicas", std::to_string(replicas_per_master), "--cluster-yes"});
    if (run(create) != 0) throw std::runtime_error("redis-cli --cluster create failed");
    wait_until_ok();
}

std::unique_ptr<RedisProcess> RedisClusterProcess::start_node() const {
    // The cluster bus port would be the client port + 10000 by default, past 65535 for an
    // ephemeral port: a free one of its own.
    std::vector<std::string> cluster = {"--cluster-enabled",
                                        "yes",
                                        "--cluster-node-timeout",
                                        std::to_string(node_timeout_.count()),
                                        "--cluster-port",
                                        std::to_string(free_loopback_port()),
                                        "--repl-diskless-sync-delay",
                                        "0"};
    return std::make_unique<RedisProcess>(true, std::move(cluster));
}

void RedisClusterProcess::add_replica(std::uint16_t master_port) {
    auto id = redis_command(master_port, "CLUSTER MYID");
    if (id.empty()) throw std::runtime_error("no master on port " + std::to_string(master_port));
    auto before = redis_command(master_port, "INFO replication");
    nodes_.push_back(start_node());
    auto port = nodes_.back()->port();
    if (run({"redis-cli", "--cluster", "add-node", "127.0.0.1:" + std::to_string(port),
             "127.0.0.1:" + std::to_string(master_port), "--cluster-slave", "--cluster-master-id",
             id}) != 0)
        throw std::runtime_error("redis-cli --cluster add-node failed");
    // Synchronised: the new replica's link is up, and every node knows it.
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    while (nodes_.back()->command("INFO replication").find("master_link_status:up") ==
           std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("the added replica never synchronised");
        std::this_thread::sleep_for(20ms);
    }
    wait_until_ok();
    for (const auto& node : nodes_)
        while (node->command("CLUSTER INFO")
                   .find("cluster_known_nodes:" + std::to_string(nodes_.size())) ==
               std::string::npos) {
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("the added replica is not known to every node");
            std::this_thread::sleep_for(20ms);
        }
}

std::string RedisClusterProcess::url() const {
    std::string url = "redis://";
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        url += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(nodes_[i]->port());
    return url;
}

void RedisClusterProcess::wait_until_ok(std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        bool ok = true;
        for (const auto& node : nodes_) {
            auto info = node->command("CLUSTER INFO");
            if (info.empty()) continue;  // stopped
            if (info.find("cluster_state:ok") == std::string::npos) ok = false;
        }
        // Every master known to every node, replicas attached: the slots are all served.
        if (ok && !master_ports().empty()) return;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("the Redis Cluster did not reach cluster_state:ok");
        std::this_thread::sleep_for(50ms);
    }
}

std::vector<std::uint16_t> RedisClusterProcess::master_ports(std::size_t asked) const {
    // CLUSTER NODES: one line a node, "<id> <ip:port@bus> <flags> ...".
    std::vector<std::uint16_t> ports;
    for (std::size_t i = asked; i < nodes_.size(); ++i) {
        auto nodes = nodes_[i]->command("CLUSTER NODES");
        if (nodes.empty()) continue;  // stopped: ask the next one
        std::istringstream lines(nodes);
        std::string line;
        while (std::getline(lines, line)) {
            std::istringstream fields(line);
            // ... <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...: a node
            // just started is a master with no slot until it is made a replica; only those
            // serving slots count.
            std::string id, address, flags, skip, slot;
            fields >> id >> address >> flags;
            for (int f = 0; f < 5; ++f) fields >> skip;
            if (flags.find("master") == std::string::npos ||
                flags.find("fail") != std::string::npos || !(fields >> slot))
                continue;
            auto colon = address.find(':'), at = address.find('@');
            ports.push_back(
                static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1, at - colon - 1))));
        }
        return ports;
    }
    return ports;
}

std::size_t RedisClusterProcess::index_of(std::uint16_t port) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i]->port() == port) return i;
    return nodes_.size();
}

namespace {

// The port a "-MOVED <slot> <host>:<port>" answer names, or 0 when it is not one.
std::uint16_t moved_to(const std::string& answer) {
    if (answer.rfind("-MOVED ", 0) != 0) return 0;
    auto colon = answer.rfind(':');
    return static_cast<std::uint16_t>(std::stoi(answer.substr(colon + 1)));
}

}  // namespace

std::string RedisClusterProcess::command(const std::string& line) const {
    for (const auto& node : nodes_) {
        auto answer = node->command(line);
        if (answer.empty()) continue;  // stopped: ask another
        if (auto port = moved_to(answer)) return redis_command(port, line);
        return answer;
    }
    return "";
}

std::uint16_t RedisClusterProcess::port_of(const std::string& key) const {
    for (const auto& node : nodes_) {
        // A replica, or a master that does not serve the slot, answers MOVED to the one that
        // does; the master that does answers the count.
        auto answer = node->command("EXISTS " + key);
        if (answer.empty()) continue;
        if (auto port = moved_to(answer)) return port;
        return node->port();
    }
    throw std::runtime_error("no node of the Redis Cluster answers");
}

}  // namespace parley::test
