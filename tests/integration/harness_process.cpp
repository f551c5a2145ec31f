// The harness's processes: temp folders, `parley serve` as a child process with its output
// captured, and `parley` commands run to completion.
#include "harness.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <stdexcept>

namespace parley::test {

TempDir::TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("parley-test-" + std::to_string(getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

namespace {

bool has_flag(const std::vector<std::string>& args, const std::string& flag) {
    for (const auto& arg : args)
        if (arg == flag || arg.rfind(flag + "=", 0) == 0) return true;
    return false;
}

// `open_files`: when not 0, the child's open-files limit (soft and hard), set between fork and
// exec, as `prlimit --nofile` would.
pid_t spawn(const std::vector<std::string>& args, int& output_fd, std::size_t open_files = 0) {
    std::string binary = parley_binary();
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        if (open_files != 0) {
            rlimit limit{static_cast<rlim_t>(open_files), static_cast<rlim_t>(open_files)};
            if (setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(126);
        }
        std::vector<char*> argv;
        argv.push_back(binary.data());
        for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
    close(fds[1]);
    output_fd = fds[0];
    return pid;
}

// In a sanitizer build (scripts/test --asan or --tsan) the server reports a data race, a memory
// error or undefined behaviour on its stderr, which is captured with its logs. Depending on the
// sanitizer's options it then exits (TSan: code 66) or carries on; either way a report fails
// the test that started the server, even when what the test checks still came out right.
void expect_no_sanitizer_report(const std::string& output) {
    for (const char* marker : {"WARNING: ThreadSanitizer:", "ERROR: AddressSanitizer:",
                               "ERROR: LeakSanitizer:", "runtime error:"}) {
        auto at = output.find(marker);
        if (at == std::string::npos) continue;
        auto begin = output.rfind('\n', at);
        ADD_FAILURE() << "the parley process reported:\n"
                      << output.substr(begin == std::string::npos ? 0 : begin + 1);
        return;
    }
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

std::string parley_binary() {
    // PARLEY_TEST_BINARY runs the suite against another build of parley, such as one from
    // before a fix, to see a regression test fail there.
    if (const char* other = std::getenv("PARLEY_TEST_BINARY"); other && *other) return other;
    return PARLEY_BINARY;
}

ServerProcess::ServerProcess(std::vector<std::string> args, bool wait_until_listening,
                             std::size_t open_files) {
    std::vector<std::string> full = {"serve"};
    if (!has_flag(args, "--host")) full.insert(full.end(), {"--host", "127.0.0.1"});
    if (!has_flag(args, "--port")) full.insert(full.end(), {"--port", "0"});
    if (!has_flag(args, "--data")) full.insert(full.end(), {"--data", ":memory:"});
    if (!has_flag(args, "--web-root"))
        full.insert(full.end(), {"--web-root", std::string(PARLEY_SOURCE_DIR) + "/web"});
    full.insert(full.end(), args.begin(), args.end());
    pid_ = spawn(full, output_fd_, open_files);
    reader_ = std::thread([this] { drain_output(); });
    if (!wait_until_listening) return;
    auto fail = [this](const std::string& why) {
        // No destructor runs for a constructor that throws: end the child and the reader here,
        // or the reader thread's destructor ends the whole test program.
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        exited_ = true;
        if (reader_.joinable()) reader_.join();
        close(output_fd_);
        throw std::runtime_error(why + logs());
    };
    if (!wait_for_log("listening on http")) fail("server did not start:\n");
    std::smatch match;
    auto text = logs();
    static const std::regex listening(R"(listening on https?://[^\s:]+:(\d+))");
    if (!std::regex_search(text, match, listening)) fail("no port in the server's output:\n");
    port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0 && !exited_) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (reader_.joinable()) reader_.join();
    if (output_fd_ >= 0) close(output_fd_);
    expect_no_sanitizer_report(output_);
}

void ServerProcess::drain_output() {
    char chunk[4096];
    for (;;) {
        auto n = read(output_fd_, chunk, sizeof chunk);
        if (n <= 0) break;
        std::lock_guard lock(mutex_);
        output_.append(chunk, static_cast<std::size_t>(n));
        changed_.notify_all();
    }
}

bool ServerProcess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout,
                             [&] { return output_.find(text) != std::string::npos; });
}

std::string ServerProcess::logs() const {
    std::lock_guard lock(mutex_);
    return output_;
}

std::optional<int> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (exited_) return exit_status_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            exited_ = true;
            exit_status_ = decode_status(status);
            return exit_status_;
        }
        std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
}

int ServerProcess::stop(int signal, std::chrono::milliseconds timeout) {
    if (exited_) return exit_status_;
    kill(pid_, signal);
    if (auto status = wait_exit(timeout)) return *status;
    kill(pid_, SIGKILL);
    return wait_exit(timeout).value_or(-1);
}

namespace {

long status_kib(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
    return -1;
}

}  // namespace

long ServerProcess::rss_kib() const {
    return status_kib(pid_, "VmRSS:");
}

long ServerProcess::peak_rss_kib() const {
    return status_kib(pid_, "VmHWM:");
}

CommandResult run_parley(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    int fd = -1;
    pid_t pid = spawn(args, fd);
    std::string output;
    char chunk[4096];
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        auto n = read(fd, chunk, sizeof chunk);
        if (n <= 0) break;
        output.append(chunk, static_cast<std::size_t>(n));
    }
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    expect_no_sanitizer_report(output);
    return {decode_status(status), output};
}

std::string parley_token(const std::string& secret, const std::string& user,
                         const std::string& ttl) {
    auto result = run_parley({"token", "--secret", secret, "--user", user, "--ttl", ttl});
    auto token = result.output;
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
        token.pop_back();
    if (result.exit_code != 0 || token.find('\n') != std::string::npos)
        throw std::runtime_error("parley token failed: " + result.output);
    return token;
}

}  // namespace parley::test