#include "api/request_parser.h"

#include <boost/beast/http/error.hpp>

namespace cc::api {

namespace http = boost::beast::http;

std::optional<ReadFailure> ClassifyReadError(const boost::beast::error_code& ec, int rejection) {
  if (rejection == 0 && (ec == http::error::header_limit || ec == http::error::buffer_overflow)) {
    rejection = 431;
  }
  if (rejection == 414) return ReadFailure{414, "the request line exceeds 8 KiB", "request_line"};
  if (rejection == 431) {
    return ReadFailure{431, "the request head exceeds the configured header size or count limit",
                       "header_limit"};
  }
  if (ec == http::error::body_limit) {
    return ReadFailure{413, "request body exceeds the configured limit", "body_limit"};
  }
  bool parse_error = ec.category() == http::make_error_code(http::error::bad_target).category();
  if (parse_error && ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return ReadFailure{400, "malformed HTTP request", "malformed"};
  }
  return std::nullopt;  // end of stream, reset, TLS truncation, a socket we closed
}

RequestParser::RequestParser(const ParseLimits& limits) : limits_(limits) {
  header_limit(limits.max_header_bytes);
  body_limit(limits.max_body_bytes);
}

void RequestParser::on_request_impl(verb, string_view method_str, string_view target, int version,
                                    error_code& ec) {
  if (target.size() > limits_.max_request_line) {
    rejection_ = 414;
    ec = http::error::bad_target;
    return;
  }
  request_.method.assign(method_str.data(), method_str.size());
  std::string_view t(target.data(), target.size());
  size_t q = t.find('?');
  request_.path.assign(t.substr(0, q));
  if (q != std::string_view::npos) request_.query.assign(t.substr(q + 1));
  request_.version = version;
}

void RequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  ec = http::error::bad_method;  // never called for a request parser
}

void RequestParser::on_field_impl(field, string_view name, string_view value, error_code& ec) {
  if (request_.headers.size() >= limits_.max_headers) {
    rejection_ = 431;
    ec = http::error::header_limit;
    return;
  }
  request_.headers.emplace_back(std::string(name.data(), name.size()),
                                std::string(value.data(), value.size()));
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code&) {
  // basic_parser has already refused a declared length over the body limit.
  if (content_length) request_.body.reserve(static_cast<size_t>(*content_length));
}

std::size_t RequestParser::on_body_impl(string_view body, error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

}  // namespace cc::api
