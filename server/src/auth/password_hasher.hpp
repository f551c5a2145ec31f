#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/expected.hpp"

namespace parley::auth {

// Passwords are kept as Argon2id strings (libsodium's crypto_pwhash_str: algorithm, parameters,
// salt and hash in one string). Hashing is meant to be slow and to take memory (64 MiB here), so
// it never runs on an io thread: a few threads of its own take requests from a bounded queue, and
// a full queue is refused at once, so a flood of registrations costs at most
// threads × 64 MiB and answers the rest `busy` instead of queueing without end.
class PasswordHasher {
  public:
    struct Options {
        int threads = 1;
        std::size_t queue = 32;  // requests waiting at most, beyond those being hashed
    };
    explicit PasswordHasher(Options options);
    ~PasswordHasher();  // finishes what is queued, then joins
    PasswordHasher(const PasswordHasher&) = delete;
    PasswordHasher& operator=(const PasswordHasher&) = delete;

    // The Argon2id string for `password`, passed to `done` on a hasher thread. False, without
    // calling `done`, when the queue is full.
    bool hash(std::string password, std::function<void(Expected<std::string>)> done);
    // Whether `password` matches `encoded`, passed to `done` on a hasher thread.
    bool verify(std::string password, std::string encoded, std::function<void(bool)> done);

    // One hash, at once, on the calling thread: for `parley` subcommands and tests.
    static Expected<std::string> hash_now(const std::string& password);
    static bool verify_now(const std::string& password, const std::string& encoded);

  private:
    bool submit(std::function<void()> job);
    void run();

    Options options_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace parley::auth
