// Test identities of the PSC simulator. The login typed on the dev login form selects a
// template and an identifier, `<template>:<id>`, optionally followed by overrides in query
// form: `pharma:10000001234?given_name=Jeanne&family_name=DUPONT&email=`.
//
//   kit:<11-digit RPPS>     doctor (10, SM26), one exercice with two activities (§1.9 sample)
//   pharma:<11-digit RPPS>  libéral pharmacist (21), one activity "PHARMACIE DU CENTRE"
//   edit:<EDIT id>          EDIT test identity (pédicure-podologue 80), not an RPPS
//
// The claims are the JSON files of ./identities with their placeholders filled:
//   @ID@          the identifier typed after the template (RPPS or EDIT id)
//   @ID_NAT_PS@   `8` + RPPS, or the EDIT id as is
//   @SUB@         `f:<uuid derived from idNatPs>:<idNatPs>` (Keycloak federated id)
//   @SUFFIX@      RPPS digits 4 to 10 (99700427885 → 0042788, as in the BAS sample names)
//
// tests/it/support/psc.rs fills the same files the same way (`identity_claims`).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const TEMPLATES = {
  kit: { file: 'kit.json', id: /^\d{11}$/, idNatPs: (id) => `8${id}` },
  pharma: { file: 'pharma.json', id: /^\d{11}$/, idNatPs: (id) => `8${id}` },
  edit: { file: 'edit.json', id: /^[A-Za-z0-9]{1,64}$/, idNatPs: (id) => id },
};

export const LOGIN_HELP = 'use kit:<11-digit RPPS>, pharma:<11-digit RPPS> or edit:<EDIT id such as ANS20231122132732>, '
  + 'optionally followed by ?given_name=…&family_name=…&email=…';

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` from the SHA-256 of `idNatPs` (stable across runs). */
export function uuidFor(idNatPs) {
  const h = createHash('sha256').update(idNatPs, 'utf8').digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function subFor(idNatPs) {
  return `f:${uuidFor(idNatPs)}:${idNatPs}`;
}

/**
 * The identity for a typed login, or `undefined` when the login matches no template.
 * Returns `{ login, template, id, idNatPs, sub, claims }`.
 */
export function identityFromLogin(login) {
  const typed = String(login ?? '').trim();
  const [head, query = ''] = typed.split(/\?(.*)/s, 2);
  const colon = head.indexOf(':');
  if (colon < 0) return undefined;
  const template = head.slice(0, colon).toLowerCase();
  const id = head.slice(colon + 1);
  const spec = TEMPLATES[template];
  if (!spec || !spec.id.test(id)) return undefined;

  const idNatPs = spec.idNatPs(id);
  const sub = subFor(idNatPs);
  const suffix = /^\d{11}$/.test(id) ? id.slice(3, 10) : id;
  const text = readFileSync(join(here, 'identities', spec.file), 'utf8')
    .replaceAll('@ID_NAT_PS@', idNatPs)
    .replaceAll('@SUB@', sub)
    .replaceAll('@SUFFIX@', suffix)
    .replaceAll('@ID@', id);
  const claims = JSON.parse(text);

  const overrides = new URLSearchParams(query);
  for (const key of overrides.keys()) {
    if (!['given_name', 'family_name', 'email'].includes(key)) return undefined;
  }
  const exercices = claims.SubjectRefPro?.exercices ?? [];
  if (overrides.has('given_name')) {
    claims.given_name = overrides.get('given_name');
    for (const e of exercices) e.prenomDexercice = claims.given_name;
  }
  if (overrides.has('family_name')) {
    claims.family_name = overrides.get('family_name');
    for (const e of exercices) e.nomDexercice = claims.family_name;
  }
  if (overrides.has('email')) {
    for (const e of exercices) {
      for (const a of e.activities ?? []) a.adresseEMail = overrides.get('email');
    }
  }

  return {
    login: typed, template, id, idNatPs, sub, claims,
  };
}

/** Every top-level claim name the templates use (the `scope_all` claims). */
export function claimNames() {
  const names = new Set();
  for (const { file } of Object.values(TEMPLATES)) {
    const claims = JSON.parse(readFileSync(join(here, 'identities', file), 'utf8'));
    Object.keys(claims).forEach((k) => names.add(k));
  }
  names.delete('sub');
  return [...names].sort();
}
