#include "net/static_files.hpp"

#include <string>

namespace parley::net {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_inside(const std::filesystem::path& root, const std::filesystem::path& candidate) {
    auto r = root.begin();
    auto c = candidate.begin();
    for (; r != root.end(); ++r, ++c)
        if (c == candidate.end() || *r != *c) return false;
    return true;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string decoded;
    decoded.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            int high = hex_value(text[i + 1]);
            int low = hex_value(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            c = static_cast<char>(high * 16 + low);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') return std::nullopt;
        decoded.push_back(c);
    }
    return decoded;
}

std::optional<std::filesystem::path> resolve_static_path(
    const std::filesystem::path& canonical_root, std::string_view target) {
    namespace fs = std::filesystem;
    auto path_part = target.substr(0, target.find_first_of("?#"));
    if (path_part.empty() || path_part[0] != '/') return std::nullopt;
    auto decoded = percent_decode(path_part);
    if (!decoded) return std::nullopt;

    // Refuse any dot segment outright instead of normalising it away: no legitimate client
    // file name needs one, and it is the shape of every traversal attempt.
    fs::path relative;
    std::size_t start = 1;
    while (start <= decoded->size()) {
        auto end = decoded->find('/', start);
        if (end == std::string::npos) end = decoded->size();
        std::string_view segment(decoded->data() + start, end - start);
        if (segment == "." || segment == ".." || segment.find('\\') != std::string_view::npos)
            return std::nullopt;
        if (!segment.empty()) relative /= std::string(segment);
        start = end + 1;
    }

    std::error_code ec;
    fs::path candidate = canonical_root / relative;
    if (fs::is_directory(candidate, ec)) candidate /= "index.html";
    // Canonical form resolves symlinks, so a link that points out of the root is caught here.
    fs::path resolved = fs::canonical(candidate, ec);
    if (ec || !is_inside(canonical_root, resolved)) return std::nullopt;
    if (!fs::is_regular_file(resolved, ec)) return std::nullopt;
    return resolved;
}

std::string_view content_type_for(const std::filesystem::path& file) {
    auto ext = file.extension().string();
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".json") return "application/json";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
    if (ext == ".gif") return "image/gif";
    if (ext == ".webp") return "image/webp";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    if (ext == ".woff2") return "font/woff2";
    if (ext == ".woff") return "font/woff";
    if (ext == ".webmanifest") return "application/manifest+json";
    if (ext == ".map") return "application/json";
    return "application/octet-stream";
}

}  // namespace parley::net
