#!/bin/sh
# Copyright 2026 The mod_netexe Authors.
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License.  You may obtain
# a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
#
# testpki.sh DIR -- the code-signing test PKI of the Authenticode tests
# (run by tests/support/sigfix.c):
#
#   root.pem    "Test Root CA", self-signed
#   inter.pem   "Test Code Signing CA", issued by the root; AIA caIssuers
#               http://pki.example.test/root.crt
#   leaf.pem    "Test Publisher", issued by the intermediate, codeSigning
#               EKU, AIA caIssuers http://pki.example.test/ca.crt
#   leaf.key    its key
#   chain1.pem  leaf                 (what osslsigncode -certs embeds)
#   chain2.pem  leaf + intermediate
#   chain3.pem  leaf + intermediate + root
#   root.der    the root again, DER
#   tsa-ca.pem  "Test Timestamping CA", issued by the root
#   tsa.pem     "Test Timestamping Authority", issued by tsa-ca.pem,
#               timeStamping EKU, AIA caIssuers
#               http://pki.example.test/tsa-ca.crt
#   tsa.key     its key
#
# Everything is made offline by openssl; nothing is fetched.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"

O="/O=mod_netexe tests"
cat > ext.cnf <<'CNF'
[root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:http://pki.example.test/root.crt
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:http://pki.example.test/ca.crt
[tsaca]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:http://pki.example.test/root.crt
[tsa]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:http://pki.example.test/tsa-ca.crt
CNF

key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

key root.key
openssl req -new -x509 -key root.key -subj "$O/CN=Test Root CA" -days 3650 \
    -sha256 -extensions root -config ext.cnf -out root.pem 2>/dev/null

key inter.key
openssl req -new -key inter.key -subj "$O/CN=Test Code Signing CA" -out inter.csr 2>/dev/null
openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -set_serial 2 \
    -days 3650 -sha256 -extfile ext.cnf -extensions inter -out inter.pem 2>/dev/null

key leaf.key
openssl req -new -key leaf.key -subj "$O/CN=Test Publisher" -out leaf.csr 2>/dev/null
openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -set_serial 3 \
    -days 3650 -sha256 -extfile ext.cnf -extensions leaf -out leaf.pem 2>/dev/null

key tsa-ca.key
openssl req -new -key tsa-ca.key -subj "$O/CN=Test Timestamping CA" -out tsa-ca.csr 2>/dev/null
openssl x509 -req -in tsa-ca.csr -CA root.pem -CAkey root.key -set_serial 4 \
    -days 3650 -sha256 -extfile ext.cnf -extensions tsaca -out tsa-ca.pem 2>/dev/null

key tsa.key
openssl req -new -key tsa.key -subj "$O/CN=Test Timestamping Authority" -out tsa.csr 2>/dev/null
openssl x509 -req -in tsa.csr -CA tsa-ca.pem -CAkey tsa-ca.key -set_serial 5 \
    -days 3650 -sha256 -extfile ext.cnf -extensions tsa -out tsa.pem 2>/dev/null

openssl x509 -in root.pem -outform DER -out root.der

cat leaf.pem > chain1.pem
cat leaf.pem inter.pem > chain2.pem
cat leaf.pem inter.pem root.pem > chain3.pem
