//! The closed vocabularies of a client file (sex, services, legal statuses...), each stored in
//! documents and the index as its snake_case name.

use std::fmt;
use std::str::FromStr;

use crate::error::ModelError;

/// Declares a vocabulary: a unit enum stored as a string, with `ALL`, `as_str` and `FromStr`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = ModelError;
            fn from_str(s: &str) -> Result<Self, ModelError> {
                match s.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ModelError::field(
                        $field,
                        format!("'{}' is not one of: {}", s, [$($text),+].join(", ")),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        stored_as_text!($name, stringify!($name), |v| v.as_str());
    };
}

vocabulary!(
    /// Sex as recorded at intake.
    Sex, "sex" { Female = "female", Male = "male", Other = "other", Unknown = "unknown" }
);

#[allow(clippy::derivable_impls)] // the enum is declared by `vocabulary!`, which derives nothing
impl Default for Sex {
    fn default() -> Self {
        Sex::Unknown
    }
}

vocabulary!(
    /// The services a consultation gives, as donors count them.
    Service, "service" {
        Legal = "legal",
        Psychological = "psychological",
        Social = "social",
        Vocational = "vocational",
        Education = "education",
        Language = "language",
        Housing = "housing",
    }
);

vocabulary!(
    /// Where a consultation took place.
    PlaceKind, "place kind" { Point = "point", Centre = "centre", Remote = "remote" }
);

vocabulary!(
    /// A legal status in Poland, one entry of the status timeline.
    LegalStatus, "legal status" {
        AsylumSeeker = "asylum_seeker",
        RefugeeStatus = "refugee_status",
        SubsidiaryProtection = "subsidiary_protection",
        HumanitarianStay = "humanitarian_stay",
        ToleratedStay = "tolerated_stay",
        TemporaryProtection = "temporary_protection",
        TemporaryResidence = "temporary_residence",
        PermanentResidence = "permanent_residence",
        EuLongTermResidence = "eu_long_term_residence",
        ReturnProcedure = "return_procedure",
        DublinTransfer = "dublin_transfer",
        Detained = "detained",
        Irregular = "irregular",
        Visa = "visa",
        Citizen = "citizen",
        Other = "other",
        // Client schema 4.
        VisaFree = "visa_free",
        PendingApplication = "pending_application",
        Asylum = "asylum",
        EuFamilyMember = "eu_family_member",
        KartaPolaka = "karta_polaka",
        PeselUkr = "pesel_ukr",
        PeselNue = "pesel_nue",
        Cukr = "cukr",
    }
);

vocabulary!(
    /// The parallel tracks a person's legal situation runs on: residence or protection, and
    /// beside it detention, return and a Dublin transfer (a detained asylum seeker is on two).
    Track, "track" {
        Residence = "residence",
        Detention = "detention",
        Return = "return",
        Dublin = "dublin",
    }
);

impl LegalStatus {
    /// The track this status belongs to.
    pub fn track(self) -> Track {
        match self {
            LegalStatus::Detained => Track::Detention,
            LegalStatus::ReturnProcedure => Track::Return,
            LegalStatus::DublinTransfer => Track::Dublin,
            _ => Track::Residence,
        }
    }

    /// Whether a residence permit's purpose may be recorded with it.
    pub fn has_purpose(self) -> bool {
        matches!(
            self,
            LegalStatus::TemporaryResidence
                | LegalStatus::PermanentResidence
                | LegalStatus::EuLongTermResidence
                | LegalStatus::Cukr
        )
    }
}

vocabulary!(
    /// What a residence permit was given for (u.o.c. chapters on temporary residence).
    ResidencePurpose, "residence purpose" {
        Work = "work",
        SinglePermit = "single_permit",
        BlueCard = "blue_card",
        Business = "business",
        Study = "study",
        Research = "research",
        Family = "family",
        EuFamilyMember = "eu_family_member",
        PolishDescent = "polish_descent",
        TemporaryProtectionFormer = "temporary_protection_former",
        Humanitarian = "humanitarian",
        Other = "other",
    }
);

vocabulary!(
    /// Vulnerabilities that change how a case is handled.
    Vulnerability, "vulnerability" {
        IllnessOrDisability = "illness_or_disability",
        TortureSurvivor = "torture_survivor",
        ViolenceVictim = "violence_victim",
        TraffickingVictim = "trafficking_victim",
        Lgbt = "lgbt",
        SingleParent = "single_parent",
        Pregnancy = "pregnancy",
        UnaccompaniedMinor = "unaccompanied_minor",
        Elderly = "elderly",
    }
);

vocabulary!(
    /// What a group activity was: work with many people at once, counted by headcount, not by
    /// person (reports say so).
    ActivityKind, "activity kind" {
        Course = "course",
        Training = "training",
        InfoSession = "info_session",
        Hotline = "hotline",
        BorderIntervention = "border_intervention",
        Outreach = "outreach",
        Other = "other",
    }
);

vocabulary!(
    /// What an organisation processes a person's data for (GDPR Art. 5(1)(b), 30(1)(b)).
    ProcessingPurpose, "processing purpose" {
        LegalAid = "legal_aid",
        Representation = "representation",
        SocialSupport = "social_support",
        PsychologicalSupport = "psychological_support",
        Referral = "referral",
        Contact = "contact",
    }
);

vocabulary!(
    /// The legal basis of a processing (GDPR Art. 6(1), and for special categories of data
    /// Art. 9(2)): consent (6(1)(a), 9(2)(a)), a contract such as a power of attorney (6(1)(b)),
    /// a legal obligation (6(1)(c)), a vital interest (6(1)(d), 9(2)(c)), a legitimate interest
    /// (6(1)(f)), or establishing, exercising or defending legal claims (6(1)(f), 9(2)(f)).
    LegalBasis, "legal basis" {
        Consent = "consent",
        Contract = "contract",
        LegalObligation = "legal_obligation",
        VitalInterest = "vital_interest",
        LegitimateInterest = "legitimate_interest",
        LegalClaims = "legal_claims",
    }
);

impl LegalBasis {
    /// The articles of the GDPR it rests on.
    pub fn articles(self) -> &'static str {
        match self {
            LegalBasis::Consent => "Art. 6(1)(a), 9(2)(a)",
            LegalBasis::Contract => "Art. 6(1)(b)",
            LegalBasis::LegalObligation => "Art. 6(1)(c)",
            LegalBasis::VitalInterest => "Art. 6(1)(d), 9(2)(c)",
            LegalBasis::LegitimateInterest => "Art. 6(1)(f)",
            LegalBasis::LegalClaims => "Art. 6(1)(f), 9(2)(f)",
        }
    }

    /// Whether it also covers special categories of data (health, sex life or orientation:
    /// GDPR Art. 9), which psychological support always processes.
    pub fn covers_special_categories(self) -> bool {
        matches!(
            self,
            LegalBasis::Consent | LegalBasis::VitalInterest | LegalBasis::LegalClaims
        )
    }
}

impl Vulnerability {
    /// Special categories of data (GDPR Art. 9: health, sex life or sexual orientation) and
    /// what endangers a person if it leaks (torture): kept out of the client file, in the
    /// restricted medical section, so only the roles that read it see them
    /// (`punkt_sync::access::SECTIONS`).
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            Vulnerability::IllnessOrDisability
                | Vulnerability::TortureSurvivor
                | Vulnerability::Lgbt
                | Vulnerability::Pregnancy
        )
    }

    /// Whether `code` names a vulnerability that is not sensitive: what a role that does not
    /// read the medical section may see.
    pub fn is_ordinary_code(code: &str) -> bool {
        code.parse::<Vulnerability>()
            .is_ok_and(|v| !v.is_sensitive())
    }
}

vocabulary!(
    /// The kind of a legal or social matter.
    MatterKind, "matter kind" {
        InternationalProtection = "international_protection",
        TemporaryResidence = "temporary_residence",
        PermanentResidence = "permanent_residence",
        Return = "return",
        Detention = "detention",
        Dublin = "dublin",
        FamilyReunification = "family_reunification",
        TemporaryProtection = "temporary_protection",
        Citizenship = "citizenship",
        Work = "work",
        SocialBenefits = "social_benefits",
        Housing = "housing",
        Education = "education",
        Other = "other",
    }
);

vocabulary!(
    /// Where a matter stands.
    MatterStatus, "matter status" {
        Open = "open",
        Pending = "pending",
        Won = "won",
        Lost = "lost",
        Closed = "closed",
    }
);

vocabulary!(
    /// Kinds of identity documents and file references.
    IdentifierKind, "identifier kind" {
        Passport = "passport",
        NationalId = "national_id",
        Pesel = "pesel",
        PeselUkr = "pesel_ukr",
        Tztc = "tztc",
        ResidenceCard = "residence_card",
        UdscFile = "udsc_file",
        BorderGuardFile = "border_guard_file",
        VoivodeFile = "voivode_file",
        CourtFile = "court_file",
        Other = "other",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_parse_leniently_and_print_canonically() {
        assert_eq!("Female".parse::<Sex>().unwrap(), Sex::Female);
        assert_eq!(
            "asylum seeker".parse::<LegalStatus>().unwrap(),
            LegalStatus::AsylumSeeker
        );
        assert_eq!(
            "pesel-ukr".parse::<IdentifierKind>().unwrap().as_str(),
            "pesel_ukr"
        );
        let e = "healing".parse::<Service>().unwrap_err().to_string();
        assert!(
            e.starts_with("invalid service: 'healing' is not one of: legal,"),
            "{e}"
        );
    }
}
