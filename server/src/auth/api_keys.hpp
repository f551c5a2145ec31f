#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::auth {

// The keys of the HTTP publish API (--api-key NAME:SECRET). A presented secret is compared
// with every key in constant time: it is hashed first (so the length of a wrong guess tells
// nothing either) and compared without stopping at the first difference or the first match.
// The secrets are kept only as their hashes; only names are ever logged.
class ApiKeys {
  public:
    // `keys` as the options hold them, already checked (config::parse_serve_options).
    explicit ApiKeys(const std::vector<std::string>& keys);

    // The name of the key whose secret this is.
    std::optional<std::string> name_of(std::string_view secret) const;
    bool empty() const { return keys_.empty(); }
    std::vector<std::string> names() const;

  private:
    using Digest = std::array<unsigned char, 32>;
    struct Key {
        std::string name;
        Digest digest;
    };
    static Digest digest_of(std::string_view secret);
    std::vector<Key> keys_;
};

}  // namespace parley::auth
