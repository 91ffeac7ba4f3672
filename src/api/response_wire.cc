#include "api/response_wire.h"

#include <boost/beast/http/status.hpp>

namespace cc::api {
namespace {

bool Safe(const std::string& v) { return v.find_first_of("\r\n") == std::string::npos; }

}  // namespace

void SerializeResponse(const HttpResponse& r, int version, bool keep_alive, std::string& out) {
  namespace http = boost::beast::http;
  out.clear();
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
  out.append(reason.data(), reason.size());
  out += "\r\nContent-Type: ";
  out += Safe(r.content_type) ? r.content_type : "application/octet-stream";
  for (const auto& [k, v] : r.headers) {
    if (Safe(k) && Safe(v)) out += "\r\n" + k + ": " + v;
  }
  out += "\r\nContent-Length: ";
  out += std::to_string(r.body.size());
  if (!keep_alive) {
    out += "\r\nConnection: close";
  } else if (version == 10) {
    out += "\r\nConnection: keep-alive";
  }
  out += "\r\n\r\n";
  out += r.body;
}

}  // namespace cc::api
