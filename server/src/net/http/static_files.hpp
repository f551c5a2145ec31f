#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace parley::net {

// Maps a request target ("/app.js?v=2") to a regular file inside `canonical_root`, or nothing when
// the target is malformed, escapes the root (.., %2e%2e, a symlink pointing out), or names no file.
// `canonical_root` must already be canonical. "/" and directories map to their index.html; a
// file named with a trailing slash ("/index.html/") is not found, as on any file server.
std::optional<std::filesystem::path> resolve_static_path(
    const std::filesystem::path& canonical_root, std::string_view target);

// The Content-Type for a file name, from its extension.
std::string_view content_type_for(const std::filesystem::path& file);

}  // namespace parley::net
