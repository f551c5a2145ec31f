#include "auth/password_hasher.hpp"

#include <sodium.h>

#include <stdexcept>

namespace parley::auth {

namespace {

// libsodium's "interactive" parameters: about a tenth of a second and 64 MiB per hash here,
// slow enough to make guessing expensive, quick enough for a login.
constexpr auto opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr auto memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

void initialise_sodium() {
    static const bool ready = sodium_init() >= 0;
    if (!ready) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

Expected<std::string> PasswordHasher::hash_now(const std::string& password) {
    initialise_sodium();
    char encoded[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(encoded, password.data(), password.size(), opslimit, memlimit) != 0)
        return Failure{"out of memory while hashing a password"};
    return std::string(encoded);
}

bool PasswordHasher::verify_now(const std::string& password, const std::string& encoded) {
    initialise_sodium();
    return crypto_pwhash_str_verify(encoded.c_str(), password.data(), password.size()) == 0;
}

PasswordHasher::PasswordHasher(Options options) : options_(options) {
    initialise_sodium();
    for (int i = 0; i < std::max(options_.threads, 1); ++i)
        threads_.emplace_back([this] { run(); });
}

PasswordHasher::~PasswordHasher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) thread.join();
}

bool PasswordHasher::submit(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= options_.queue) return false;
        queue_.push_back(std::move(job));
    }
    ready_.notify_one();
    return true;
}

bool PasswordHasher::hash(std::string password, std::function<void(Expected<std::string>)> done) {
    return submit([password = std::move(password), done = std::move(done)]() mutable {
        auto encoded = hash_now(password);
        sodium_memzero(password.data(), password.size());
        done(std::move(encoded));
    });
}

bool PasswordHasher::verify(std::string password, std::string encoded,
                            std::function<void(bool)> done) {
    return submit([password = std::move(password), encoded = std::move(encoded),
                   done = std::move(done)]() mutable {
        bool matches = verify_now(password, encoded);
        sodium_memzero(password.data(), password.size());
        done(matches);
    });
}

void PasswordHasher::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        job();
    }
}

}  // namespace parley::auth
