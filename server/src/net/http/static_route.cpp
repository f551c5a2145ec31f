// The browser client's files, from the web root and never from outside it.
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>

#include "net/http/routes.hpp"
#include "net/http/static_files.hpp"

namespace parley::net::http {

Response static_file(const ServerContext& context, const Request& request) {
    auto shape = RequestShape::of(request);
    auto file_path = resolve_static_path(context.web_root, request.target());
    if (!file_path) return plain_text(shape, beast_http::status::not_found, "not found");
    beast_http::file_body::value_type file;
    boost::beast::error_code ec;
    file.open(file_path->c_str(), boost::beast::file_mode::scan, ec);
    if (ec) return plain_text(shape, beast_http::status::not_found, "not found");
    auto size = file.size();
    auto content_type = content_type_for(*file_path);
    if (shape.head) {
        beast_http::response<beast_http::empty_body> response{beast_http::status::ok,
                                                              request.version()};
        set_static_file_headers(response, content_type);
        response.content_length(size);
        response.keep_alive(request.keep_alive());
        return response;
    }
    beast_http::response<beast_http::file_body> response{
        std::piecewise_construct, std::make_tuple(std::move(file)),
        std::make_tuple(beast_http::status::ok, request.version())};
    set_static_file_headers(response, content_type);
    response.content_length(size);
    response.keep_alive(request.keep_alive());
    return response;
}

}  // namespace parley::net::http
