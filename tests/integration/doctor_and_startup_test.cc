// `state doctor` reports only what it checked, verifies the manifest when it
// can reach the KMS, and names a rolled-back table; the server reports bad
// files its configuration names before it creates or logs anything.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "support/cluster.h"

namespace cc::testing {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void Sql(const std::string& file, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// Copies one SQLite database over another through SQLite (a restore).
void CopyDatabase(const std::string& from, const std::string& to) {
  sqlite3 *src = nullptr, *dst = nullptr;
  ASSERT_EQ(sqlite3_open(from.c_str(), &src), SQLITE_OK);
  ASSERT_EQ(sqlite3_open(to.c_str(), &dst), SQLITE_OK);
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(sqlite3_backup_step(b, -1), SQLITE_DONE);
  sqlite3_backup_finish(b);
  sqlite3_close(src);
  sqlite3_close(dst);
}

// A KMS-only chamber on SQLite, and a doctor configuration with its KMS.
struct Chamber {
  Cluster c{Backend::kSqlite, 1};
  std::string config;
  Chamber() {
    c.StartAll();
    config = c.dir().File("doctor.yaml");
    c.dir().Write("doctor.yaml", ReadFile(c.state_config()) + "kms: { local: { key_file: " +
                                     c.dir().File("dev-kms.key") + " } }\n");
    auto init =
        RunCli({"operator", "init", "--signer-url", c[0].Url(), "--setup-token", c.SetupToken(0),
                "--kms-key-arns", "local:a,local:b", "--kms-threshold", "2"});
    EXPECT_EQ(init.exit_code, 0) << init.err;
  }
  CommandResult Doctor(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"state", "doctor", "-c", config};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args, {{"O", kTestOpsToken}});
  }
};

TEST(Doctor, RequiresTheServersConfiguration) {
  auto r = RunCli({"state", "doctor"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "give the server's configuration file with -c FILE")) << r.err;
}

TEST(Doctor, VerifiesTheManifestAndFailsATamperedTable) {
  Chamber ch;
  auto good = ch.Doctor();
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_TRUE(Has(good.out, "config: " + ch.config + "\n")) << good.out;
  EXPECT_TRUE(Has(good.out, "[ok] integrity: the manifest verifies")) << good.out;
  EXPECT_TRUE(Has(good.out, "[info] refresh: signer_state.refresh_interval_seconds is 1"))
      << good.out;
  EXPECT_TRUE(Has(good.out, "[skip] refresh: a running signer's view was not compared"))
      << good.out;
  EXPECT_TRUE(Has(good.out, "[info] operator credentials: KMS-only mode")) << good.out;

  auto no_kms = ch.Doctor({"--no-kms"});
  EXPECT_EQ(no_kms.exit_code, 0) << no_kms.out;
  EXPECT_TRUE(Has(no_kms.out, "[skip] integrity: manifest not verified: --no-kms was given"))
      << no_kms.out;
  EXPECT_FALSE(Has(no_kms.out, "[ok] integrity")) << no_kms.out;
  EXPECT_TRUE(Has(no_kms.out, "check(s) skipped")) << no_kms.out;

  ch.c[0].Stop();
  // Someone with write access to the file adds a record (a token of theirs).
  Sql(ch.c.dir().File("state.db"),
      "INSERT INTO cc_records VALUES ('auth_token', 'tok_planted', 1, X'00')");
  auto tampered = ch.Doctor();
  EXPECT_EQ(tampered.exit_code, 1) << tampered.out;
  EXPECT_TRUE(Has(tampered.out,
                  "[FAIL] integrity: state integrity: the records do not match the "
                  "manifest"))
      << tampered.out;
  EXPECT_FALSE(Has(tampered.out, "no problems")) << tampered.out;
}

TEST(Doctor, FailsMasterKeyRecordsWithoutAQuorumConfig) {
  Chamber ch;
  ch.c[0].Stop();
  Sql(ch.c.dir().File("state.db"), "DELETE FROM cc_records WHERE kind = 'quorum_config'");
  auto r = ch.Doctor();
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(Has(r.out, "[FAIL] integrity: state integrity: the quorum configuration is missing"))
      << r.out;
  EXPECT_FALSE(Has(r.out, "[warn] table identity: the chamber holds no unseal configuration"))
      << r.out;
}

TEST(Doctor, ARolledBackTableIsNamedByTheCliAndDoctor) {
  Chamber ch;
  ASSERT_TRUE(ch.c[0].WaitForState("unsealed", std::chrono::seconds(5)));
  const std::string db = ch.c.dir().File("state.db"), backup = ch.c.dir().File("backup.db");
  CopyDatabase(db, backup);
  ASSERT_EQ(RunCli({"operator", "generate-root-token", "--signer-url", ch.c[0].Url()}).exit_code,
            0);  // one more commit after the backup
  CopyDatabase(backup, db);
  ASSERT_TRUE(WaitUntil(
      [&] { return ch.c[0].Status()["state_backend"].contains("rollback_refused_revision"); },
      std::chrono::seconds(10)))
      << ch.c[0].Status().dump();

  auto seal = RunCli({"operator", "seal", "--signer-url", ch.c[0].Url(), "--auth-token", "env:O"},
                     {{"O", kTestOpsToken}});
  EXPECT_EQ(seal.exit_code, 1) << seal.out << seal.err;
  EXPECT_TRUE(Has(seal.err, "the state backend was rolled back")) << seal.err;
  EXPECT_TRUE(Has(seal.err, "restore the newest backup")) << seal.err;
  EXPECT_FALSE(Has(seal.err, "at the same time")) << seal.err;

  auto status =
      RunCli({"operator", "status", "--signer-url", ch.c[0].Url(), "--auth-token", "env:O"},
             {{"O", kTestOpsToken}});
  EXPECT_TRUE(Has(status.out, "ROLLBACK REFUSED:  the backend went back to revision"))
      << status.out;

  auto doctor = ch.Doctor({"--signer-url", ch.c[0].Url(), "--auth-token", "env:O"});
  EXPECT_EQ(doctor.exit_code, 1) << doctor.out;
  EXPECT_TRUE(Has(doctor.out, "[FAIL] refresh: the table was rolled back")) << doctor.out;
}

// The server refuses bad files before it creates the state file or logs a
// setup token.
void ExpectStartupError(const std::string& extra_yaml, const std::string& message) {
  TempDir dir;
  Replica r(dir, "r", SqliteStateYaml(dir.File("s.db")), {}, extra_yaml);
  EXPECT_FALSE(r.StartAndWait());
  EXPECT_EQ(r.process()->Wait(), 1);
  EXPECT_TRUE(Has(r.Log(), message)) << r.Log();
  EXPECT_FALSE(Has(r.Log(), "setup_token")) << r.Log();
  struct stat st {};
  EXPECT_NE(stat(dir.File("s.db").c_str(), &st), 0) << "the state file was created";
}

TEST(StartupChecks, AMissingTlsCertificateFailsBeforeAnythingIsCreated) {
  ExpectStartupError(
      "tls: { mode: file, listen_port: " + std::to_string(FreePort()) +
          ", file: { cert_path: /nonexistent/tls.crt, key_path: /nonexistent/tls.key } }\n",
      "tls.file.cert_path: cannot open /nonexistent/tls.crt");
}

TEST(StartupChecks, LocalKmsKeyFileProblemsAreStartupErrors) {
  TempDir keys;
  ASSERT_EQ(mkdir(keys.File("a-directory").c_str(), 0700), 0);
  keys.Write("short.key", std::string(16, 'k'));
  chmod(keys.File("short.key").c_str(), 0600);
  keys.Write("open.key", std::string(32, 'k'));
  chmod(keys.File("open.key").c_str(), 0644);
  auto kms = [&](const std::string& f) { return "kms: { local: { key_file: " + f + " } }\n"; };
  ExpectStartupError(kms(keys.File("a-directory")), "is a directory");
  ExpectStartupError(kms(keys.File("short.key")), "must hold exactly 32 bytes; it holds 16");
  ExpectStartupError(kms(keys.File("open.key")), "has mode 0644");
}

}  // namespace
}  // namespace cc::testing
