#include "net/http/static_files.hpp"

#include <boost/url/parse.hpp>
#include <string>

namespace parley::net {
namespace {

bool is_inside(const std::filesystem::path& root, const std::filesystem::path& candidate) {
    auto r = root.begin();
    auto c = candidate.begin();
    for (; r != root.end(); ++r, ++c)
        if (c == candidate.end() || *r != *c) return false;
    return true;
}

}  // namespace

std::optional<std::filesystem::path> resolve_static_path(
    const std::filesystem::path& canonical_root, std::string_view target) {
    namespace fs = std::filesystem;
    auto url = boost::urls::parse_origin_form(target);
    if (!url || url->encoded_path().empty() || url->encoded_path().front() != '/')
        return std::nullopt;

    // Refuse any dot segment outright instead of normalising it away: no legitimate client
    // file name needs one, and it is the shape of every traversal attempt. Segments are
    // decoded, so an escaped slash, backslash or NUL inside one is refused too.
    fs::path relative;
    for (auto segment : url->segments()) {
        if (segment == "." || segment == ".." ||
            segment.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos)
            return std::nullopt;
        if (!segment.empty()) relative /= segment;
    }
    bool trailing_slash = url->encoded_path().size() > 1 && url->encoded_path().back() == '/';

    std::error_code ec;
    fs::path candidate = canonical_root / relative;
    if (fs::is_directory(candidate, ec))
        candidate /= "index.html";
    else if (trailing_slash)
        return std::nullopt;
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
