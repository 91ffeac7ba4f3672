// An HTTP/1.x request parser (Boost.Beast's basic_parser) that fills an
// HttpRequest and enforces the request limits while parsing: the request
// line, the header bytes (the whole head is buffered before any of it is
// parsed, so this also bounds memory), the number of header fields, and the
// body size.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <optional>

#include "api/http_message.h"

namespace cc::api {

struct ParseLimits {
  size_t max_request_line = 8 * 1024;  // the request-target, 414 past it
  uint32_t max_header_bytes = 16 * 1024;
  size_t max_headers = 100;
  uint64_t max_body_bytes = 1 << 20;
};

// What to answer when reading a request failed; nullopt when there is
// nothing to answer (the client closed or reset, or we closed the socket).
struct ReadFailure {
  int status;           // 400, 413, 414 or 431
  const char* message;  // for the JSON error
  const char* reason;   // for the rejection counter
};
std::optional<ReadFailure> ClassifyReadError(const boost::beast::error_code& ec, int rejection);

class RequestParser : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(const ParseLimits& limits);

  HttpRequest& request() { return request_; }
  // The status to answer when a limit stopped parsing (414 or 431), else 0.
  int rejection() const { return rejection_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;
  using verb = boost::beast::http::verb;
  using field = boost::beast::http::field;

  void on_request_impl(verb method, string_view method_str, string_view target, int version,
                       error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code& ec) override;
  void on_field_impl(field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  const ParseLimits limits_;
  HttpRequest request_;
  int rejection_ = 0;
};

}  // namespace cc::api
