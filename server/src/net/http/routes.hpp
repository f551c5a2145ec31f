#pragma once
// The route families behind the Router; only the router includes this.

#include <boost/url/url_view.hpp>
#include <string>

#include "net/http/router.hpp"

namespace parley::net::http {

Response health(const ServerContext& context, const RequestShape& shape);
Response metrics(const ServerContext& context, const Request& request,
                 const boost::urls::url_view& url);
void history_api(ServerContext& context, const Request& request, const boost::urls::url_view& url,
                 const std::string& channel, const Respond& respond);
void publish_api(ServerContext& context, const Request& request, const std::string& channel,
                 const Respond& respond);
Response static_file(const ServerContext& context, const Request& request);
void login(ServerContext& context, const Request& request, const std::string& peer,
           const Respond& respond);
// An accepted upgrade, or the refusal to answer with.
Expected<Upgrade, Response> upgrade(ServerContext& context, const Request& request,
                                    const boost::urls::url_view& url, const std::string& peer);

}  // namespace parley::net::http
