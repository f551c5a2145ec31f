#pragma once
// Where a test's SQLite database lives: a file in a folder of its own, removed afterwards, or
// ":memory:".

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace parley::storage {

class Place {
  public:
    explicit Place(bool on_disk) {
        if (!on_disk) return;
        static std::atomic<int> next{0};
        folder_ =
            std::filesystem::temp_directory_path() /
            ("parley-sqlite-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
        std::filesystem::create_directories(folder_);
    }
    ~Place() {
        std::error_code ec;
        if (!folder_.empty()) std::filesystem::remove_all(folder_, ec);
    }
    Place(const Place&) = delete;
    Place& operator=(const Place&) = delete;
    std::string path() const { return folder_.empty() ? ":memory:" : (folder_ / "h.db").string(); }

  private:
    std::filesystem::path folder_;
};

}  // namespace parley::storage
