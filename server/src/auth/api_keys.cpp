#include "auth/api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace parley::auth {

ApiKeys::ApiKeys(const std::vector<std::string>& keys) {
    for (const auto& key : keys) {
        auto colon = key.find(':');
        if (colon == std::string::npos) continue;
        keys_.push_back({key.substr(0, colon), digest_of(std::string_view(key).substr(colon + 1))});
    }
}

ApiKeys::Digest ApiKeys::digest_of(std::string_view secret) {
    Digest digest{};
    SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest.data());
    return digest;
}

std::optional<std::string> ApiKeys::name_of(std::string_view secret) const {
    auto presented = digest_of(secret);
    const Key* found = nullptr;
    for (const auto& key : keys_)
        if (CRYPTO_memcmp(presented.data(), key.digest.data(), presented.size()) == 0 && !found)
            found = &key;
    if (!found) return std::nullopt;
    return found->name;
}

std::vector<std::string> ApiKeys::names() const {
    std::vector<std::string> names;
    for (const auto& key : keys_) names.push_back(key.name);
    return names;
}

}  // namespace parley::auth
