#include "kms/local_kms.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/log.h"
#include "crypto/aead.h"
#include "crypto/kdf.h"

namespace cc::kms {
namespace {
constexpr char kMagic[] = "cclk1";
}

Status LocalKms::CheckKeyFile(const std::string& key_file) {
  const std::string where = "kms.local.key_file: " + key_file;
  struct stat st {};
  if (stat(key_file.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::InvalidArgument(where + ": " + strerror(errno));
    return Status::Ok();  // created (0600) on first use, if a local: key is ever named
  }
  if (S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(where +
                                   " is a directory; it must be the 32-byte key file (or absent, "
                                   "to be created on first use)");
  }
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(where + " is not a regular file");
  if (st.st_size != 32) {
    return Status::InvalidArgument(where + " must hold exactly 32 bytes; it holds " +
                                   std::to_string(st.st_size));
  }
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument(where + " has mode " + mode +
                                   ": other users may read it, and anyone who can read it can "
                                   "unseal; run: chmod 600 " +
                                   key_file);
  }
  if (access(key_file.c_str(), R_OK) != 0) {
    return Status::InvalidArgument(where + ": cannot read it: " + strerror(errno));
  }
  return Status::Ok();
}

Result<std::unique_ptr<LocalKms>> LocalKms::Open(const std::string& key_file) {
  CC_RETURN_IF_ERROR(CheckKeyFile(key_file));
  int fd = open(key_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    // Write a temp file, then link() it into place: several replicas starting
    // together agree on one key, and nobody reads a half-written file.
    crypto::SecretBytes fresh = crypto::SecretBytes::Random(32);
    std::string tmp = key_file + ".tmp-" + std::to_string(getpid());
    int w = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (w < 0) {
      return Status::Unavailable("kms.local.key_file: cannot create " + key_file + ": " +
                                 strerror(errno));
    }
    bool ok =
        write(w, fresh.data(), fresh.size()) == static_cast<ssize_t>(fresh.size()) && fsync(w) == 0;
    close(w);
    bool created = ok && link(tmp.c_str(), key_file.c_str()) == 0;
    unlink(tmp.c_str());
    if (!ok) return Status::Unavailable("kms.local.key_file: cannot write " + key_file);
    if (created) {
      log::Warn("kms",
                "created a local development KMS key file; anyone who can read it can unseal",
                {{"key_file", key_file}});
    }
    fd = open(key_file.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0)
    return Status::Unavailable("kms.local.key_file: cannot read " + key_file + ": " +
                               strerror(errno));
  crypto::SecretBytes root(32);
  ssize_t n = read(fd, root.data(), root.size());
  char extra;
  bool longer = read(fd, &extra, 1) > 0;
  close(fd);
  if (n != 32 || longer) {
    return Status::InvalidArgument("kms.local.key_file: " + key_file +
                                   " must hold exactly 32 bytes");
  }
  log::Warn("kms", "the local development KMS is in use: it is NOT secure for production",
            {{"key_file", key_file}});
  return std::unique_ptr<LocalKms>(new LocalKms(std::move(root)));
}

crypto::SecretBytes LocalKms::KeyFor(const std::string& key_uri) const {
  return crypto::Hkdf(root_, "cc-local-kms-v1", key_uri, 32);
}

Result<std::string> LocalKms::Encrypt(const std::string& key_uri,
                                      const crypto::SecretBytes& plaintext,
                                      const EncryptionContext& context) {
  CC_ASSIGN_OR_RETURN(std::string sealed, crypto::AeadSealRaw(KeyFor(key_uri), plaintext.view(),
                                                              ContextAad(key_uri, context)));
  return std::string(kMagic) + sealed;
}

Result<crypto::SecretBytes> LocalKms::Decrypt(const std::string& key_uri,
                                              const std::string& ciphertext,
                                              const EncryptionContext& context) {
  if (ciphertext.rfind(kMagic, 0) != 0) {
    return Status::Corruption("KMS key " + key_uri + ": not a local KMS ciphertext");
  }
  auto r =
      crypto::AeadOpenRaw(KeyFor(key_uri), std::string_view(ciphertext).substr(sizeof(kMagic) - 1),
                          ContextAad(key_uri, context));
  if (!r.ok()) {
    return Status::Corruption("KMS key " + key_uri +
                              ": cannot decrypt (another key file, another key name, or an "
                              "encryption context that does not match)");
  }
  return r;
}

}  // namespace cc::kms
