#include "net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

namespace parley::net {

namespace ssl = boost::asio::ssl;

namespace {

Expected<std::string> read_file(const std::string& flag, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Failure{flag + " " + path + ": cannot read it (" + std::strerror(errno) + ")"};
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return Failure{flag + " " + path + ": cannot read it"};
    return content.str();
}

// OpenSSL's reason for the last failure, without its queue of codes and file names.
std::string openssl_reason() {
    auto code = ERR_peek_last_error();
    const char* reason = code ? ERR_reason_error_string(code) : nullptr;
    ERR_clear_error();
    return reason ? reason : "unknown error";
}

bool is_pem_private_key(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (!bio) return false;
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ERR_clear_error();
    if (!key) return false;
    EVP_PKEY_free(key);
    return true;
}

}  // namespace

Expected<std::unique_ptr<ssl::context>> make_tls_context(const std::string& cert_path,
                                                         const std::string& key_path) {
    auto cert = read_file("--tls-cert", cert_path);
    if (!cert) return std::move(cert).error();
    auto key = read_file("--tls-key", key_path);
    if (!key) return std::move(key).error();

    auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                         ssl::context::single_dh_use);
    if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1)
        return Failure{"cannot require TLS 1.2 or later: " + openssl_reason()};

    boost::system::error_code ec;
    context->use_certificate_chain(boost::asio::buffer(*cert), ec);
    if (ec) {
        ERR_clear_error();
        return Failure{"--tls-cert " + cert_path + ": no PEM certificate in it"};
    }
    // Parsed on its own first, so that an unreadable key and a mismatched one get their own
    // message: OpenSSL reports both from the same call.
    if (!is_pem_private_key(*key))
        return Failure{"--tls-key " + key_path +
                       ": no PEM private key in it (or an encrypted one: Parley takes no "
                       "passphrase)"};
    context->use_private_key(boost::asio::buffer(*key), ssl::context::pem, ec);
    // A key of another type than the certificate's is accepted into a slot of its own, so the
    // pair is checked explicitly as well.
    if (ec || SSL_CTX_check_private_key(context->native_handle()) != 1) {
        ERR_clear_error();
        return Failure{"--tls-key " + key_path + " does not match the certificate in --tls-cert " +
                       cert_path};
    }
    return context;
}

}  // namespace parley::net
