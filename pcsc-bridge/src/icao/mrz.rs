//! The machine-readable zone: check digits, the BAC key input and the TD1 (ID-card) layout
//! (ICAO 9303-3 §4.9, 9303-5, 9303-11 §9.7.1).

use thiserror::Error;

use super::date::{CivilDate, DateError};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzError {
    #[error("character {character:?} is not allowed in the MRZ {field}")]
    InvalidCharacter {
        field: &'static str,
        character: char,
    },
    #[error("the MRZ {field} must be {expected} characters long, not {found}")]
    WrongLength {
        field: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("the check digit of the MRZ {field} is wrong")]
    CheckDigit { field: &'static str },
    #[error("the personal ID number must be 12 digits")]
    NotAPersonalIdNumber,
    #[error("MRZ date: {0}")]
    Date(#[from] DateError),
}

/// Check digit over an MRZ field: weights 7, 3, 1 repeating; digits count as themselves,
/// letters A–Z as 10–35 and the filler '<' as 0.
pub fn check_digit(field: &str) -> Result<u8, MrzError> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (index, character) in field.chars().enumerate() {
        let value = character_value(character).ok_or(MrzError::InvalidCharacter {
            field: "field",
            character,
        })?;
        sum += value * WEIGHTS[index % 3];
    }
    Ok((sum % 10) as u8)
}

fn character_value(character: char) -> Option<u32> {
    match character {
        '0'..='9' => character.to_digit(10),
        'A'..='Z' => Some(u32::from(character) - u32::from('A') + 10),
        '<' => Some(0),
        _ => None,
    }
}

fn check_digit_char(field: &str) -> Result<char, MrzError> {
    Ok(char::from(b'0' + check_digit(field)?))
}

fn require_mrz_characters(field: &'static str, text: &str) -> Result<(), MrzError> {
    match text.chars().find(|c| character_value(*c).is_none()) {
        Some(character) => Err(MrzError::InvalidCharacter { field, character }),
        None => Ok(()),
    }
}

fn require_date_digits(field: &'static str, text: &str) -> Result<(), MrzError> {
    if text.chars().count() != 6 {
        return Err(MrzError::WrongLength {
            field,
            expected: 6,
            found: text.chars().count(),
        });
    }
    match text.chars().find(|c| !c.is_ascii_digit()) {
        Some(character) => Err(MrzError::InvalidCharacter { field, character }),
        None => Ok(()),
    }
}

/// Which form of the document number was used to derive the BAC keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentNumberForm {
    /// The number exactly as typed or read from the MRZ.
    AsGiven,
    /// The last 9 digits of the 12-digit personal ID (what CCCD MRZs appear to hold).
    LastNineDigits,
    /// All 12 digits of the personal ID (the fallback one public reader uses).
    AllTwelveDigits,
}

/// The MRZ fields the BAC keys come from: document number, date of birth, date of expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrzInfo {
    document_number: String,
    date_of_birth: String,
    date_of_expiry: String,
}

impl MrzInfo {
    /// Dates are "YYMMDD". Trailing fillers on the document number are ignored; it is
    /// padded back to 9 characters when the key input is built.
    pub fn new(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<Self, MrzError> {
        let document_number = document_number.trim().to_ascii_uppercase();
        let document_number = document_number.trim_end_matches('<').to_owned();
        require_mrz_characters("document number", &document_number)?;
        if document_number.is_empty() {
            return Err(MrzError::WrongLength {
                field: "document number",
                expected: 9,
                found: 0,
            });
        }
        require_date_digits("date of birth", date_of_birth)?;
        require_date_digits("date of expiry", date_of_expiry)?;
        Ok(MrzInfo {
            document_number,
            date_of_birth: date_of_birth.to_owned(),
            date_of_expiry: date_of_expiry.to_owned(),
        })
    }

    pub fn from_dates(
        document_number: &str,
        date_of_birth: CivilDate,
        date_of_expiry: CivilDate,
    ) -> Result<Self, MrzError> {
        Self::new(
            document_number,
            &date_of_birth.to_yymmdd(),
            &date_of_expiry.to_yymmdd(),
        )
    }

    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    /// The "MRZ information" hashed into Kseed: document number (at least 9 characters, padded
    /// with '<') ‖ check digit ‖ date of birth ‖ check digit ‖ date of expiry ‖ check digit.
    pub fn key_seed_input(&self) -> Result<String, MrzError> {
        let number = format!("{:<<9}", self.document_number);
        Ok(format!(
            "{number}{}{}{}{}{}",
            check_digit_char(&number)?,
            self.date_of_birth,
            check_digit_char(&self.date_of_birth)?,
            self.date_of_expiry,
            check_digit_char(&self.date_of_expiry)?,
        ))
    }
}

/// One way of opening the chip, tried in order until the card accepts one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacKeyCandidate {
    pub form: DocumentNumberForm,
    pub mrz: MrzInfo,
}

/// The candidates for a CCCD known by its 12-digit personal ID: the last 9 digits first (what
/// the MRZ holds), then all 12.
pub fn candidates_for_personal_id(
    personal_id: &str,
    date_of_birth: CivilDate,
    date_of_expiry: CivilDate,
) -> Result<Vec<BacKeyCandidate>, MrzError> {
    let personal_id = personal_id.trim();
    if personal_id.len() != 12 || !personal_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MrzError::NotAPersonalIdNumber);
    }
    Ok(vec![
        BacKeyCandidate {
            form: DocumentNumberForm::LastNineDigits,
            mrz: MrzInfo::from_dates(&personal_id[3..], date_of_birth, date_of_expiry)?,
        },
        BacKeyCandidate {
            form: DocumentNumberForm::AllTwelveDigits,
            mrz: MrzInfo::from_dates(personal_id, date_of_birth, date_of_expiry)?,
        },
    ])
}

const TD1_LINE_LEN: usize = 30;

/// A parsed TD1 MRZ (3 lines of 30 characters), with every check digit verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Td1Mrz {
    /// "ID", "I<", "IC", …
    pub document_code: String,
    pub issuing_state: String,
    /// Without fillers; a number longer than 9 characters is rebuilt from the optional data.
    pub document_number: String,
    pub optional_data_1: String,
    /// "YYMMDD"
    pub date_of_birth: String,
    /// 'M', 'F' or '<'
    pub sex: char,
    /// "YYMMDD"
    pub date_of_expiry: String,
    pub nationality: String,
    pub optional_data_2: String,
    /// Surname, fillers turned into spaces (MRZ names carry no diacritics).
    pub primary_identifier: String,
    pub secondary_identifier: String,
}

impl Td1Mrz {
    /// Accepts the 90 characters with or without line breaks or spaces between the lines.
    pub fn parse(text: &str) -> Result<Self, MrzError> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        require_mrz_characters("TD1 text", &compact)?;
        let found = compact.chars().count();
        if found != 3 * TD1_LINE_LEN {
            return Err(MrzError::WrongLength {
                field: "TD1 text",
                expected: 3 * TD1_LINE_LEN,
                found,
            });
        }
        // Only ASCII is left after the character check, so byte slicing is safe.
        let line1 = &compact[..TD1_LINE_LEN];
        let line2 = &compact[TD1_LINE_LEN..2 * TD1_LINE_LEN];
        let line3 = &compact[2 * TD1_LINE_LEN..];

        let number_field = &line1[5..14];
        let number_check = &line1[14..15];
        let optional_1 = &line1[15..30];
        let document_number = if number_check == "<" {
            long_document_number(number_field, optional_1)?
        } else {
            verify_check(number_field, number_check, "document number")?;
            number_field.trim_end_matches('<').to_owned()
        };
        let optional_data_1 = if number_check == "<" {
            // The tail of a long number and its check digit occupy the first filler-free run.
            optional_1
                .split_once('<')
                .map_or("", |(_, rest)| rest)
                .trim_matches('<')
                .to_owned()
        } else {
            optional_1.trim_end_matches('<').to_owned()
        };

        let date_of_birth = &line2[0..6];
        verify_check(date_of_birth, &line2[6..7], "date of birth")?;
        let date_of_expiry = &line2[8..14];
        verify_check(date_of_expiry, &line2[14..15], "date of expiry")?;
        let composite = format!(
            "{}{}{}{}",
            &line1[5..30],
            &line2[0..7],
            &line2[8..15],
            &line2[18..29]
        );
        verify_check(&composite, &line2[29..30], "composite")?;

        let (primary, secondary) = line3.split_once("<<").unwrap_or((line3, ""));
        Ok(Td1Mrz {
            document_code: line1[0..2].trim_end_matches('<').to_owned(),
            issuing_state: line1[2..5].trim_end_matches('<').to_owned(),
            document_number,
            optional_data_1,
            date_of_birth: date_of_birth.to_owned(),
            sex: line2.chars().nth(7).unwrap_or('<'),
            date_of_expiry: date_of_expiry.to_owned(),
            nationality: line2[15..18].trim_end_matches('<').to_owned(),
            optional_data_2: line2[18..29].trim_end_matches('<').to_owned(),
            primary_identifier: name_part(primary),
            secondary_identifier: name_part(secondary),
        })
    }

    /// The 12-digit personal ID when the optional data starts with one, as on CCCDs.
    pub fn personal_id(&self) -> Option<&str> {
        let candidate = self.optional_data_1.get(..12)?;
        candidate
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then_some(candidate)
    }

    /// The number as printed first; when the optional data holds a 12-digit ID that ends with
    /// it, that full number as fallback.
    pub fn bac_candidates(&self) -> Result<Vec<BacKeyCandidate>, MrzError> {
        let mut candidates = vec![BacKeyCandidate {
            form: DocumentNumberForm::AsGiven,
            mrz: MrzInfo::new(
                &self.document_number,
                &self.date_of_birth,
                &self.date_of_expiry,
            )?,
        }];
        if let Some(personal_id) = self.personal_id()
            && personal_id != self.document_number
            && personal_id.ends_with(&self.document_number)
        {
            candidates.push(BacKeyCandidate {
                form: DocumentNumberForm::AllTwelveDigits,
                mrz: MrzInfo::new(personal_id, &self.date_of_birth, &self.date_of_expiry)?,
            });
        }
        Ok(candidates)
    }
}

fn verify_check(field: &str, check: &str, name: &'static str) -> Result<(), MrzError> {
    if check.starts_with(check_digit_char(field)?) {
        Ok(())
    } else {
        Err(MrzError::CheckDigit { field: name })
    }
}

/// ICAO 9303-5 §4.2.4: a number longer than 9 characters continues in the optional data, its
/// check digit being the last character before the first filler.
fn long_document_number(head: &str, optional: &str) -> Result<String, MrzError> {
    let tail_with_check = optional.split('<').next().unwrap_or("");
    let Some(split) = tail_with_check.len().checked_sub(1) else {
        return Err(MrzError::CheckDigit {
            field: "document number",
        });
    };
    let (tail, check) = tail_with_check.split_at(split);
    let number = format!("{head}{tail}");
    verify_check(&number, check, "document number")?;
    Ok(number)
}

fn name_part(field: &str) -> String {
    field
        .split('<')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_match_icao_examples() {
        // ICAO 9303-11 Appendix D.2 / 9303-3 examples.
        assert_eq!(check_digit("L898902C<").unwrap(), 3);
        assert_eq!(check_digit("690806").unwrap(), 1);
        assert_eq!(check_digit("940623").unwrap(), 6);
        assert_eq!(check_digit("520727").unwrap(), 3);
        assert_eq!(check_digit("<<<<<<").unwrap(), 0);
        assert!(check_digit("ab").is_err());
    }

    #[test]
    fn builds_the_appendix_d_key_seed_input() {
        let mrz = MrzInfo::new("L898902C", "690806", "940623").unwrap();
        assert_eq!(mrz.key_seed_input().unwrap(), "L898902C<369080619406236");
        let padded = MrzInfo::new("L898902C<", "690806", "940623").unwrap();
        assert_eq!(padded, mrz);
    }

    #[test]
    fn offers_nine_then_twelve_digits_for_a_personal_id() {
        let birth = CivilDate::new(1985, 8, 12).unwrap();
        let expiry = CivilDate::new(2025, 8, 12).unwrap();
        let candidates = candidates_for_personal_id("001085012345", birth, expiry).unwrap();
        assert_eq!(candidates[0].form, DocumentNumberForm::LastNineDigits);
        // Check digits worked out by hand: 085012345 → 2, 850812 → 2, 250812 → 0.
        assert_eq!(
            candidates[0].mrz.key_seed_input().unwrap(),
            "085012345285081222508120"
        );
        assert_eq!(candidates[1].form, DocumentNumberForm::AllTwelveDigits);
        assert_eq!(candidates[1].mrz.document_number(), "001085012345");
        assert!(
            candidates[1]
                .mrz
                .key_seed_input()
                .unwrap()
                .starts_with("001085012345")
        );
        assert!(candidates_for_personal_id("08501234", birth, expiry).is_err());
    }

    #[test]
    fn rejects_bad_key_inputs() {
        assert!(MrzInfo::new("", "690806", "940623").is_err());
        assert!(MrzInfo::new("L89890-", "690806", "940623").is_err());
        assert!(MrzInfo::new("L898902C", "69086", "940623").is_err());
        assert!(MrzInfo::new("L898902C", "690806", "9406A3").is_err());
    }

    /// ICAO 9303-5 Appendix A TD1 specimen (document number D23145890 with a long-number tail).
    #[test]
    fn parses_the_icao_td1_specimen() {
        let text = "I<UTOD231458907<<<<<<<<<<<<<<<\n\
                    7408122F1204159UTO<<<<<<<<<<<6\n\
                    ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let mrz = Td1Mrz::parse(text).unwrap();
        assert_eq!(mrz.document_code, "I");
        assert_eq!(mrz.issuing_state, "UTO");
        assert_eq!(mrz.document_number, "D23145890");
        assert_eq!(mrz.date_of_birth, "740812");
        assert_eq!(mrz.sex, 'F');
        assert_eq!(mrz.date_of_expiry, "120415");
        assert_eq!(mrz.primary_identifier, "ERIKSSON");
        assert_eq!(mrz.secondary_identifier, "ANNA MARIA");
    }

    #[test]
    fn parses_a_long_document_number() {
        // D23145890 + "734" with its check digit 9 after a '<' in position 15.
        let number = "D23145890734";
        let check = check_digit(number).unwrap();
        let line1 = format!("I<UTOD23145890<734{check}<<<<<<<<<<<");
        let line2_head = "7408122F1204159UTO<<<<<<<<<<<";
        let composite = format!(
            "{}{}{}{}",
            &line1[5..30],
            "7408122",
            "1204159",
            "<<<<<<<<<<<"
        );
        let line2 = format!("{line2_head}{}", check_digit(&composite).unwrap());
        let text = format!("{line1}{line2}ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
        let mrz = Td1Mrz::parse(&text).unwrap();
        assert_eq!(mrz.document_number, number);
        assert_eq!(mrz.optional_data_1, "");
    }

    #[test]
    fn parses_a_cccd_style_mrz_and_offers_both_numbers() {
        let mrz = Td1Mrz::parse(crate::icao::testdata::CCCD_MRZ).unwrap();
        assert_eq!(mrz.document_code, "ID");
        assert_eq!(mrz.issuing_state, "VNM");
        assert_eq!(mrz.document_number, "085012345");
        assert_eq!(mrz.personal_id(), Some("001085012345"));
        assert_eq!(mrz.primary_identifier, "LE");
        assert_eq!(mrz.secondary_identifier, "VAN HUNG");
        let candidates = mrz.bac_candidates().unwrap();
        assert_eq!(candidates.len(), 2);
        assert_eq!(candidates[0].form, DocumentNumberForm::AsGiven);
        assert_eq!(candidates[1].form, DocumentNumberForm::AllTwelveDigits);
        assert_eq!(candidates[1].mrz.document_number(), "001085012345");
    }

    #[test]
    fn rejects_wrong_check_digits_and_lengths() {
        let good = crate::icao::testdata::CCCD_MRZ.replace('\n', "");
        let mut bad_birth = good.clone();
        bad_birth.replace_range(36..37, "0");
        assert_eq!(
            Td1Mrz::parse(&bad_birth),
            Err(MrzError::CheckDigit {
                field: "date of birth"
            })
        );
        assert!(matches!(
            Td1Mrz::parse(&good[..89]),
            Err(MrzError::WrongLength { .. })
        ));
        assert!(matches!(
            Td1Mrz::parse(&good.replace('V', "Ư")),
            Err(MrzError::InvalidCharacter { .. })
        ));
    }
}
