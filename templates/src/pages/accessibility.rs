//! The accessibility statement ("déclaration d'accessibilité"), in the order of the RGAA 4.1
//! model statement: commitment, conformance status, test results, content that is not
//! accessible, how the statement was made, feedback and contact, and the ways of appeal.

use maud::{Markup, html};

use crate::layout::{self, tel_uri};
use crate::views::PageContext;

/// The date the statement was established (RGAA: "Établissement de cette déclaration").
const STATEMENT_DATE: &str = "4 décembre 2026";

pub fn accessibility(ctx: &PageContext) -> Markup {
    let service = ctx.service_name.as_str();
    let support = &ctx.support;
    let body = html! {
        h1 { "Déclaration d'accessibilité" }
        p {
            "L'opérateur de " (service) " s'engage à rendre son service d'inscription "
            "accessible, conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005."
        }
        p {
            "Cette déclaration d'accessibilité s'applique au service d'inscription et de "
            "gestion des comptes " (service) " (inscription, confirmation de l'adresse mail, "
            "conditions générales d'utilisation, profil professionnel, compte, paramétrage, "
            "boîtes organisationnelles et console d'administration)."
        }

        h2 { "État de conformité" }
        p {
            "Le service d'inscription " (service) " est " strong { "partiellement conforme" }
            " avec le référentiel général d'amélioration de l'accessibilité (RGAA), version "
            "4.1, en raison des non-conformités et des dérogations énumérées ci-dessous."
        }

        h2 { "Résultats des tests" }
        p {
            "Aucun audit complet des 106 critères du RGAA n'a encore été réalisé par un "
            "organisme indépendant. Les vérifications suivantes sont faites automatiquement à "
            "chaque modification du service, dans un navigateur Chromium réel :"
        }
        ul {
            li {
                "l'outil axe-core (règles WCAG 2.1 niveaux A et AA) sur chaque page du parcours "
                "d'inscription, avec et sans erreurs de saisie, de connexion avec Pro Santé "
                "Connect, de réinitialisation du mot de passe, de la console d'administration et "
                "des pages d'erreur : aucune anomalie de gravité « sérieuse » ou « critique » ;"
            }
            li {
                "le parcours d'inscription complet réalisé au clavier seul (Tab, Maj+Tab, "
                "Espace, Entrée), avec une prise de focus visible à chaque étape ;"
            }
            li {
                "un titre de page unique qui nomme l'étape (« Étape 2 sur 6 »), la langue de la "
                "page, le récapitulatif des erreurs qui prend le focus et renvoie vers chaque "
                "champ, les messages d'erreur reliés à leur champ, les champs obligatoires "
                "signalés, l'indicateur d'étape annoncé ;"
            }
            li {
                "l'affichage à 320 pixels de large et à un zoom de 200 %, sans défilement "
                "horizontal ;"
            }
            li {
                "les conditions générales d'utilisation lisibles dans la page, et non seulement "
                "en téléchargement ; l'impression de la page du compte."
            }
        }

        h2 { "Contenus non accessibles" }
        h3 { "Non-conformités connues" }
        ul {
            li {
                "Le document des conditions générales d'utilisation proposé en téléchargement "
                "est un fichier texte brut, sans structure de titres ; son contenu est "
                "intégralement repris, structuré, dans la page des CGU."
            }
            li {
                "Les graphiques du tableau de bord des administrateurs sont des images "
                "vectorielles : leur contenu est repris dans des tableaux de données placés "
                "juste après chaque graphique."
            }
        }
        h3 { "Contenus non soumis à l'obligation d'accessibilité" }
        ul {
            li {
                "Les pages de connexion Pro Santé Connect et e-CPS, éditées par l'Agence du "
                "numérique en santé (ANS) : le service y renvoie l'utilisateur sans en maîtriser "
                "le contenu."
            }
        }

        h2 { "Établissement de cette déclaration d'accessibilité" }
        p { "Cette déclaration a été établie le " (STATEMENT_DATE) "." }
        h3 { "Technologies utilisées pour la réalisation du service" }
        ul {
            li { "HTML5" }
            li { "CSS" }
            li { "Aucun JavaScript : le service fonctionne sans script." }
        }
        h3 { "Environnement de test" }
        p {
            "Les vérifications ont été faites avec le navigateur Chromium (Debian) piloté par "
            "WebDriver, et l'outil axe-core."
        }

        h2 { "Retour d'information et contact" }
        p {
            "Si vous n'arrivez pas à accéder à un contenu ou à un service, vous pouvez contacter "
            @if support.organisation.is_empty() { "le support " (service) }
            @else { "le " (support.organisation) }
            " pour être orienté vers une alternative accessible ou obtenir le contenu sous une "
            "autre forme :"
        }
        ul {
            @if !support.form_url.is_empty() {
                li { a href=(support.form_url) { "Formulaire en ligne" } }
            }
            @if !support.phone.is_empty() {
                li {
                    "Téléphone : " a href=(tel_uri(&support.phone)) { (support.phone) }
                    @if !support.hours.is_empty() { " (" (support.hours) ")" }
                }
            }
        }

        h2 { "Voies de recours" }
        p {
            "Si vous constatez un défaut d'accessibilité vous empêchant d'accéder à un contenu "
            "ou à une fonctionnalité du service, que vous nous l'avez signalé et que vous n'avez "
            "pas obtenu de réponse satisfaisante, vous êtes en droit de saisir le Défenseur des "
            "droits :"
        }
        ul {
            li { "par le formulaire de contact en ligne du Défenseur des droits ;" }
            li { "en contactant le délégué du Défenseur des droits dans votre région ;" }
            li {
                "par courrier (gratuit, sans affranchissement) : Défenseur des droits, "
                "Libre réponse 71120, 75342 Paris CEDEX 07."
            }
        }
    };
    layout::page(ctx, "Déclaration d'accessibilité", body)
}
