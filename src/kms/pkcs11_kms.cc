#include "kms/pkcs11_kms.h"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <sodium.h>

#include <cstring>

#include "crypto/secret.h"

namespace cc::kms {
namespace {

constexpr char kMagic[] = "p11g1";
constexpr size_t kIvBytes = 12;
constexpr size_t kTagBytes = 16;

std::string Rv(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT:
      return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED:
      return "CKR_PIN_LOCKED";
    case CKR_TOKEN_NOT_PRESENT:
      return "CKR_TOKEN_NOT_PRESENT";
    case CKR_DEVICE_ERROR:
      return "CKR_DEVICE_ERROR";
    case CKR_ENCRYPTED_DATA_INVALID:
      return "CKR_ENCRYPTED_DATA_INVALID";
    case CKR_MECHANISM_INVALID:
      return "CKR_MECHANISM_INVALID";
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
      return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "CKR 0x%lx", static_cast<unsigned long>(rv));
      return buf;
    }
  }
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      if (std::sscanf(s.substr(i + 1, 2).c_str(), "%2x", &v) == 1) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string TrimLabel(const unsigned char* label, size_t n) {
  std::string s(reinterpret_cast<const char*>(label), n);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

// AES-GCM parameters: 96-bit IV, 128-bit tag, the context as associated data.
CK_GCM_PARAMS GcmParams(unsigned char* iv, std::string& aad) {
  CK_GCM_PARAMS gcm{};
  gcm.pIv = iv;
  gcm.ulIvLen = kIvBytes;
  gcm.ulIvBits = kIvBytes * 8;
  gcm.pAAD = reinterpret_cast<unsigned char*>(aad.data());
  gcm.ulAADLen = aad.size();
  gcm.ulTagBits = kTagBytes * 8;
  return gcm;
}

}  // namespace

Result<Pkcs11Uri> ParsePkcs11Uri(const std::string& uri) {
  if (uri.rfind("pkcs11:", 0) != 0) return Status::InvalidArgument("not a pkcs11: URI: " + uri);
  std::string path = uri.substr(7);
  path = path.substr(0, path.find('?'));  // query attributes (pin-value...) are not used
  Pkcs11Uri out;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t semi = path.find(';', pos);
    std::string attr = path.substr(pos, semi == std::string::npos ? std::string::npos : semi - pos);
    auto eq = attr.find('=');
    if (eq != std::string::npos) {
      std::string k = attr.substr(0, eq), v = PercentDecode(attr.substr(eq + 1));
      if (k == "token") out.token = v;
      if (k == "object") out.object = v;
    }
    if (semi == std::string::npos) break;
    pos = semi + 1;
  }
  if (out.object.empty()) {
    return Status::InvalidArgument("pkcs11 URI '" + uri + "' names no object (…;object=LABEL)");
  }
  return out;
}

// One loaded module per path for the whole process: C_Initialize may be
// called only once per process.
struct Pkcs11Kms::Module {
  void* handle = nullptr;
  CK_FUNCTION_LIST_PTR f = nullptr;
  std::string path;
};

struct Pkcs11Kms::Session {
  CK_SESSION_HANDLE handle = 0;
  std::map<std::string, CK_OBJECT_HANDLE> keys;
};

Result<std::unique_ptr<Pkcs11Kms>> Pkcs11Kms::Open(const std::string& module_path,
                                                   const std::string& default_token,
                                                   std::string pin) {
  static std::mutex modules_mu;
  static std::map<std::string, std::shared_ptr<Module>> modules;
  std::lock_guard<std::mutex> l(modules_mu);
  auto& m = modules[module_path];
  if (!m) {
    auto mod = std::make_shared<Module>();
    mod->path = module_path;
    mod->handle = dlopen(module_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!mod->handle) {
      return Status::Unavailable("kms.pkcs11.module: cannot load " + module_path + ": " +
                                 dlerror());
    }
    auto get = reinterpret_cast<CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR)>(
        dlsym(mod->handle, "C_GetFunctionList"));
    if (!get || get(&mod->f) != CKR_OK) {
      return Status::Unavailable("kms.pkcs11.module: " + module_path + " is not a PKCS#11 module");
    }
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = mod->f->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      return Status::Unavailable("PKCS#11 C_Initialize failed for " + module_path + ": " + Rv(rv));
    }
    m = mod;
  }
  return std::unique_ptr<Pkcs11Kms>(new Pkcs11Kms(m, default_token, std::move(pin)));
}

Pkcs11Kms::Pkcs11Kms(std::shared_ptr<Module> module, std::string default_token, std::string pin)
    : module_(std::move(module)), default_token_(std::move(default_token)), pin_(std::move(pin)) {}

Pkcs11Kms::~Pkcs11Kms() {
  for (auto& [token, s] : sessions_) {
    module_->f->C_Logout(s->handle);
    module_->f->C_CloseSession(s->handle);
  }
  crypto::Wipe(pin_);
}

Result<Pkcs11Kms::Session*> Pkcs11Kms::SessionFor(const std::string& token) {
  auto it = sessions_.find(token);
  if (it != sessions_.end()) return it->second.get();
  CK_FUNCTION_LIST_PTR f = module_->f;
  for (int scan = 0; scan < 2; ++scan) {
    if (scan == 1) {
      // Modules such as SoftHSM see tokens created after C_Initialize only
      // after re-initializing; do it only while we hold no sessions.
      if (!sessions_.empty()) break;
      f->C_Finalize(nullptr);
      CK_C_INITIALIZE_ARGS args{};
      args.flags = CKF_OS_LOCKING_OK;
      if (f->C_Initialize(&args) != CKR_OK) break;
    }
    CK_ULONG count = 0;
    if (f->C_GetSlotList(CK_TRUE, nullptr, &count) != CKR_OK) {
      return Status::Unavailable("PKCS#11: cannot list slots of " + module_->path);
    }
    std::vector<CK_SLOT_ID> slots(count);
    f->C_GetSlotList(CK_TRUE, slots.data(), &count);
    for (CK_ULONG i = 0; i < count; ++i) {
      CK_TOKEN_INFO info{};
      if (f->C_GetTokenInfo(slots[i], &info) != CKR_OK) continue;
      if (TrimLabel(info.label, sizeof info.label) != token) continue;
      auto s = std::make_unique<Session>();
      CK_RV rv = f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                                  &s->handle);
      if (rv != CKR_OK)
        return Status::Unavailable("PKCS#11: cannot open a session on token '" + token +
                                   "': " + Rv(rv));
      rv = f->C_Login(s->handle, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin_.data()),
                      pin_.size());
      if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        f->C_CloseSession(s->handle);
        return Status::PermissionDenied("PKCS#11: login to token '" + token +
                                        "' failed: " + Rv(rv) +
                                        (rv == CKR_PIN_INCORRECT ? " (check kms.pkcs11.pin)" : ""));
      }
      Session* raw = s.get();
      sessions_[token] = std::move(s);
      return raw;
    }
  }
  return Status::NotFound("PKCS#11: no token labelled '" + token + "' in " + module_->path);
}

Result<unsigned long> Pkcs11Kms::FindKey(Session& s, const std::string& label) {
  auto it = s.keys.find(label);
  if (it != s.keys.end()) return it->second;
  CK_FUNCTION_LIST_PTR f = module_->f;
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                         {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
  if (f->C_FindObjectsInit(s.handle, tmpl, 2) != CKR_OK)
    return Status::Unavailable("PKCS#11: C_FindObjectsInit failed");
  CK_OBJECT_HANDLE h = 0;
  CK_ULONG found = 0;
  f->C_FindObjects(s.handle, &h, 1, &found);
  f->C_FindObjectsFinal(s.handle);
  if (found == 0)
    return Status::NotFound("PKCS#11: no secret key labelled '" + label + "' on the token");
  s.keys[label] = h;
  return static_cast<unsigned long>(h);
}

Result<std::string> Pkcs11Kms::Encrypt(const std::string& key_uri,
                                       const crypto::SecretBytes& plaintext,
                                       const EncryptionContext& context) {
  CC_ASSIGN_OR_RETURN(Pkcs11Uri u, ParsePkcs11Uri(key_uri));
  std::lock_guard<std::mutex> l(mu_);
  CC_ASSIGN_OR_RETURN(Session * s, SessionFor(u.token.empty() ? default_token_ : u.token));
  CC_ASSIGN_OR_RETURN(unsigned long key, FindKey(*s, u.object));
  std::string aad = ContextAad(key_uri, context);
  std::string out(std::string(kMagic) + std::string(kIvBytes, '\0'));
  unsigned char* iv = reinterpret_cast<unsigned char*>(out.data()) + sizeof(kMagic) - 1;
  randombytes_buf(iv, kIvBytes);
  CK_GCM_PARAMS gcm = GcmParams(iv, aad);
  CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof gcm};
  CK_FUNCTION_LIST_PTR f = module_->f;
  CK_RV rv = f->C_EncryptInit(s->handle, &mech, key);
  if (rv != CKR_OK)
    return Status::Unavailable("PKCS#11 key " + key_uri + ": C_EncryptInit: " + Rv(rv));
  std::string ct(plaintext.size() + kTagBytes, '\0');
  CK_ULONG len = ct.size();
  rv = f->C_Encrypt(s->handle, const_cast<unsigned char*>(plaintext.data()), plaintext.size(),
                    reinterpret_cast<unsigned char*>(ct.data()), &len);
  if (rv != CKR_OK) return Status::Unavailable("PKCS#11 key " + key_uri + ": C_Encrypt: " + Rv(rv));
  ct.resize(len);
  return out + ct;
}

Result<crypto::SecretBytes> Pkcs11Kms::Decrypt(const std::string& key_uri,
                                               const std::string& ciphertext,
                                               const EncryptionContext& context) {
  CC_ASSIGN_OR_RETURN(Pkcs11Uri u, ParsePkcs11Uri(key_uri));
  const size_t header = sizeof(kMagic) - 1 + kIvBytes;
  if (ciphertext.rfind(kMagic, 0) != 0 || ciphertext.size() < header + kTagBytes) {
    return Status::Corruption("PKCS#11 key " + key_uri + ": not a ciphertext of this provider");
  }
  std::lock_guard<std::mutex> l(mu_);
  CC_ASSIGN_OR_RETURN(Session * s, SessionFor(u.token.empty() ? default_token_ : u.token));
  CC_ASSIGN_OR_RETURN(unsigned long key, FindKey(*s, u.object));
  std::string aad = ContextAad(key_uri, context);
  std::string iv = ciphertext.substr(sizeof(kMagic) - 1, kIvBytes);
  CK_GCM_PARAMS gcm = GcmParams(reinterpret_cast<unsigned char*>(iv.data()), aad);
  CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof gcm};
  CK_FUNCTION_LIST_PTR f = module_->f;
  CK_RV rv = f->C_DecryptInit(s->handle, &mech, key);
  if (rv != CKR_OK)
    return Status::Unavailable("PKCS#11 key " + key_uri + ": C_DecryptInit: " + Rv(rv));
  crypto::SecretBytes out(ciphertext.size() - header);
  CK_ULONG len = out.size();
  rv = f->C_Decrypt(s->handle,
                    reinterpret_cast<unsigned char*>(const_cast<char*>(ciphertext.data())) + header,
                    ciphertext.size() - header, out.data(), &len);
  if (rv != CKR_OK) {
    return Status::Corruption("PKCS#11 key " + key_uri +
                              ": cannot decrypt (altered ciphertext, another key, or an encryption "
                              "context that does not match): " +
                              Rv(rv));
  }
  crypto::SecretBytes exact = crypto::SecretBytes::CopyFrom(out.view().substr(0, len));
  return exact;
}

}  // namespace cc::kms
