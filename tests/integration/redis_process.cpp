#include "redis_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <istream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace parley::test {

std::uint16_t free_loopback_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        close(fd);
        throw std::runtime_error("no free port for redis-server");
    }
    close(fd);
    return ntohs(address.sin_port);
}

RedisProcess::RedisProcess(bool persistent, std::vector<std::string> extra)
    : port_(free_loopback_port()), persistent_(persistent), extra_(std::move(extra)) {
    start();
}

RedisProcess::~RedisProcess() {
    stop();
}

void RedisProcess::start() {
    std::vector<std::string> args = {"redis-server",
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--dir",
                                     dir_.path().string(),
                                     "--save",
                                     "",
                                     "--logfile",
                                     dir_.file("redis.log")};
    if (persistent_) args.insert(args.end(), {"--appendonly", "yes", "--appendfsync", "always"});
    args.insert(args.end(), extra_.begin(), extra_.end());
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        execvp("redis-server", argv.data());
        _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (command("PING") == "+PONG") return;
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error(
                "redis-server exited at once: is it installed? (scripts/deps --test)");
        }
        std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("redis-server did not answer on port " + std::to_string(port_));
}

void RedisProcess::stop(int signal) {
    if (pid_ <= 0) return;
    kill(pid_, signal);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string redis_command(std::uint16_t port, const std::string& line) {
    try {
        boost::asio::io_context io;
        boost::asio::ip::tcp::socket socket(io);
        socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
        boost::asio::write(socket, boost::asio::buffer(line + "\r\n"));
        boost::asio::streambuf answer;
        boost::asio::read_until(socket, answer, "\r\n");
        std::istream in(&answer);
        std::string first;
        std::getline(in, first);
        if (!first.empty() && first.back() == '\r') first.pop_back();
        // A bulk string ("$<length>" then the bytes): its value.
        if (first.size() < 2 || first[0] != '$' || first[1] == '-') return first;
        auto length = std::stoul(first.substr(1));
        if (answer.size() < length + 2)
            boost::asio::read(socket, answer,
                              boost::asio::transfer_exactly(length + 2 - answer.size()));
        std::string value(length, '\0');
        in.read(value.data(), static_cast<std::streamsize>(length));
        return value;
    } catch (const std::exception&) {
        return "";
    }
}

}  // namespace parley::test
