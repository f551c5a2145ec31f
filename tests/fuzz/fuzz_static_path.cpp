// Arbitrary request targets against a small web root that has a symlink pointing out of it:
// whatever resolve_static_path returns must be a regular file inside the root.

#include <stdlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "net/http/static_files.hpp"

namespace {

namespace fs = std::filesystem;

void require(bool condition) {
    if (!condition) __builtin_trap();
}

// base/secret.txt             must never be served
// base/www/                   the web root
//          index.html, app.js, sub/index.html, sub/page.txt
//          escape   -> ../secret.txt   (symlink out: must be refused)
//          up       -> ..              (directory symlink out)
//          alias.js -> app.js          (symlink inside)
class WebRoot {
  public:
    WebRoot() {
        std::string pattern = (fs::temp_directory_path() / "parley-fuzz-webroot-XXXXXX").string();
        require(::mkdtemp(pattern.data()) != nullptr);
        base_ = pattern;
        auto www = base_ / "www";
        fs::create_directories(www / "sub");
        write(base_ / "secret.txt");
        for (const char* file : {"index.html", "app.js", "sub/index.html", "sub/page.txt"})
            write(www / file);
        fs::create_symlink("../secret.txt", www / "escape");
        fs::create_directory_symlink("..", www / "up");
        fs::create_symlink("app.js", www / "alias.js");
        root_ = fs::canonical(www);
    }
    ~WebRoot() {
        std::error_code ignored;
        fs::remove_all(base_, ignored);
    }

    const fs::path& root() const { return root_; }

  private:
    static void write(const fs::path& path) { std::ofstream(path) << path.filename().string(); }

    fs::path base_;
    fs::path root_;
};

bool is_inside(const fs::path& path, const fs::path& root) {
    return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const WebRoot web;
    std::string_view target(reinterpret_cast<const char*>(data), size);
    auto resolved = parley::net::resolve_static_path(web.root(), target);
    if (!resolved) return 0;

    std::error_code error;
    auto real = fs::canonical(*resolved, error);
    require(!error);
    require(is_inside(real, web.root()));
    require(fs::is_regular_file(real));
    return 0;
}
