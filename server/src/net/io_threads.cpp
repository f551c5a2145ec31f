#include "net/io_threads.hpp"

#include "net/write_cork.hpp"

#include <algorithm>
#include <thread>

namespace parley::net {

namespace {
thread_local std::size_t current_thread = IoThreads::none;
}

IoThreads::IoThreads(int count) {
    for (int i = 0; i < std::max(1, count); ++i) {
        // 1: each context is run by one thread, which lets Asio skip some locking.
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        guards_.emplace_back(contexts_.back()->get_executor());
    }
}

boost::asio::io_context& IoThreads::next() {
    return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

std::vector<boost::asio::any_io_executor> IoThreads::executors() const {
    std::vector<boost::asio::any_io_executor> executors;
    for (const auto& context : contexts_) executors.push_back(context->get_executor());
    return executors;
}

void IoThreads::run() {
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i)
        threads.emplace_back([this, i] {
            current_thread = i;
            contexts_[i]->run();
            WriteCork::here().release();
        });
    current_thread = 0;
    contexts_.front()->run();
    WriteCork::here().release();
    for (auto& thread : threads) thread.join();
    current_thread = none;
}

void IoThreads::stop() {
    for (auto& context : contexts_) context->stop();
}

std::size_t IoThreads::current() {
    return current_thread;
}

}  // namespace parley::net
