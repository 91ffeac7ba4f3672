#include "api/status_document.h"

#include "api/json_writer.h"
#include "common/encoding.h"

namespace cc::api {
namespace {

void WriteKms(JsonWriter& w, const seal::SealReport& s) {
  w.Key("kms").BeginObject().Field("threshold", s.kms_threshold).Key("keys").BeginArray();
  for (const auto& k : s.kms_keys) {
    w.BeginObject().Field("key", k.key);
    if (k.healthy) {
      w.Field("healthy", *k.healthy);
      if (!*k.healthy)
        w.Field("last_error", k.last_error).Field("unhealthy_since", k.unhealthy_since);
    }
    w.EndObject();
  }
  w.EndArray();
  if (!s.bad_shares.empty()) {
    w.Key("bad_shares").BeginArray();
    for (uint8_t x : s.bad_shares) w.Int(x);
    w.EndArray();
  }
  w.EndObject();
}

void WriteSeal(JsonWriter& w, const seal::SealReport& s) {
  w.Key("seal").BeginObject();
  w.Field("status", seal::SealStateName(s.status))
      .Field("initialized", s.initialized)
      .Field("sealed", !seal::CanSign(s.status));
  if (s.mode) {
    w.Field("type", records::Name(*s.mode))
        .Field("t", s.t)
        .Field("n", s.n)
        .Field("seal_epoch", s.seal_epoch)
        .Field("sealed_by_operator", s.sealed_by_operator);
    if (*s.mode == records::UnsealMode::kQuorum) {
      w.Key("operators").BeginArray();
      for (const auto& o : s.operators) {
        w.BeginObject()
            .Field("name", o.name)
            .Field("registered", o.registered)
            .Field("submitted", o.submitted)
            .EndObject();
      }
      w.EndArray().Field("registered", s.registered).Field("progress", s.progress);
    }
    WriteKms(w, s);
  }
  if (!s.last_error.empty()) w.Field("last_error", s.last_error);
  if (!s.integrity_error.empty()) w.Field("integrity_error", s.integrity_error);
  if (!s.hint.empty()) w.Field("hint", s.hint);
  if (s.insecure_test_kdf) w.Field("insecure_test_kdf", true);
  w.EndObject();
}

void WriteBackend(JsonWriter& w, const seal::BackendReport& b) {
  w.Key("state_backend")
      .BeginObject()
      .Field("backend", b.backend)
      .Field("chamber_id", b.chamber_id)
      .Field(b.backend == "dynamodb" ? "table" : "path", b.location)
      .Field("revision", b.revision)
      .Field("last_refresh_age_seconds", b.last_refresh_age_seconds)
      .Field("refresh_errors", b.refresh_errors);
  if (!b.region.empty()) w.Field("region", b.region);
  if (!b.last_error.empty()) w.Field("last_error", b.last_error);
  if (b.rollback_refused_revision)
    w.Field("rollback_refused_revision", *b.rollback_refused_revision);
  if (!b.foreign_chamber_refused.empty())
    w.Field("foreign_chamber_refused", b.foreign_chamber_refused);
  w.EndObject();
}

void WriteTee(JsonWriter& w, const seal::TeeReport& t) {
  w.Key("tee").BeginObject().Field("platform", t.platform).Field("attestation", t.attestation);
  w.Key("blob").BeginObject().Field("present", t.blob_present);
  if (t.blob_present) {
    w.Key("pcrs").BeginObject();
    for (const auto& [index, value] : t.blob_pcrs) w.Field(std::to_string(index), HexEncode(value));
    w.EndObject()
        .Field("mk_generation", uint64_t{t.blob_mk_generation})
        .Field("kms_threshold", t.blob_kms_threshold)
        .Key("kms_keys")
        .BeginArray();
    for (const auto& k : t.blob_kms_keys) w.String(k);
    w.EndArray().Field("created_at", t.blob_created_at);
    if (!t.blob_stale.empty()) w.Field("stale", t.blob_stale);
  }
  if (!t.blob_error.empty()) w.Field("write_error", t.blob_error);
  w.EndObject();
  if (!t.last_result.empty()) {
    w.Key("last_auto_unseal")
        .BeginObject()
        .Field("result", t.last_result)
        .Field("at", t.last_attempt_at);
    if (!t.last_error.empty()) w.Field("error", t.last_error);
    if (!t.pcr_mismatches.empty()) {
      w.Key("pcr_mismatches").BeginArray();
      for (const auto& m : t.pcr_mismatches) {
        w.BeginObject()
            .Field("index", uint64_t{m.index})
            .Field("expected", m.expected_hex)
            .Field("actual", m.actual_hex)
            .EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndObject();
}

void WriteAuth(JsonWriter& w, const auth::AuthSummary& s) {
  w.Key("auth")
      .BeginObject()
      .Field("enforced", s.enforced)
      .Field("static_policies", uint64_t{s.static_policies})
      .Field("runtime_policies", uint64_t{s.runtime_policies})
      .Field("tokens", uint64_t{s.tokens})
      .Field("revision", s.revision)
      .Field("runtime_tokens_checkable", s.runtime_tokens_checkable)
      .EndObject();
}

}  // namespace

std::string StatusDocument(const seal::StatusReport& report, const auth::AuthSummary& auth) {
  JsonWriter w(1024);
  w.BeginObject();
  WriteSeal(w, report.seal);
  WriteBackend(w, report.backend);
  WriteTee(w, report.tee);
  WriteAuth(w, auth);
  w.EndObject();
  return w.Take();
}

std::string SealStatusDocument(const seal::SealReport& s) {
  JsonWriter w(256);
  w.BeginObject()
      .Field("initialized", s.initialized)
      .Field("status", seal::SealStateName(s.status))
      .Field("sealed", !seal::CanSign(s.status))
      .Field("t", s.mode ? s.t : 0)
      .Field("n", s.mode ? s.n : 0)
      .Field("progress", s.mode == records::UnsealMode::kQuorum ? s.progress : 0)
      .Field("nonce", "")
      .Field("type", s.mode ? records::Name(*s.mode) : std::string_view())
      .EndObject();
  return w.Take();
}

}  // namespace cc::api
