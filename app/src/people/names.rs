//! Vietnamese full names: family name, middle name(s), given name; stored in NFC.

use serde::{Deserialize, Serialize};

use crate::platform::collation::{CollationKey, collation_key, normalize_name};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FullName {
    pub family: String,
    pub middle: String,
    pub given: String,
}

impl FullName {
    /// "Nguyễn Thị Minh Anh" → family "Nguyễn", middle "Thị Minh", given "Anh".
    /// A one-word name is a given name. Returns `None` for an empty name.
    pub fn parse(full: &str) -> Option<FullName> {
        let normalized = normalize_name(full);
        let mut words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
        let given = words.pop()?.to_string();
        let family = if words.is_empty() {
            String::new()
        } else {
            words.remove(0).to_string()
        };
        Some(FullName {
            family,
            middle: words.join(" "),
            given,
        })
    }

    pub fn from_parts(family: &str, middle: &str, given: &str) -> FullName {
        FullName {
            family: normalize_name(family),
            middle: normalize_name(middle),
            given: normalize_name(given),
        }
    }

    pub fn full(&self) -> String {
        [
            self.family.as_str(),
            self.middle.as_str(),
            self.given.as_str(),
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// Class lists are read out by given name, then middle name, then family name.
    pub fn class_list_key(&self) -> (CollationKey, CollationKey, CollationKey) {
        (
            collation_key(&self.given),
            collation_key(&self.middle),
            collation_key(&self.family),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::{ClassListEntry, sort_class_list};
    use crate::platform::personal_id::Sex;

    #[test]
    fn a_full_name_splits_into_three_parts() {
        let name = FullName::parse(" Nguyễn  Thị Minh Anh ").unwrap();
        assert_eq!(name, FullName::from_parts("Nguyễn", "Thị Minh", "Anh"));
        assert_eq!(name.full(), "Nguyễn Thị Minh Anh");
        assert_eq!(
            FullName::parse("Lê Na").unwrap(),
            FullName::from_parts("Lê", "", "Na")
        );
        assert_eq!(FullName::parse("Hoa").unwrap().full(), "Hoa");
        assert_eq!(FullName::parse("   "), None);
    }

    #[test]
    fn class_lists_sort_by_given_then_middle_then_family_name() {
        let names = [
            "Trần Văn Em",
            "Lê Minh Đức",
            "Phạm Thị Ánh",
            "Nguyễn Văn Dũng",
            "Võ Thị Anh",
            "Đỗ Ngọc Bình",
            "Bùi Thị Anh",
            "Bùi Lan Anh",
        ];
        let mut list: Vec<ClassListEntry> = names
            .iter()
            .enumerate()
            .map(|(i, n)| ClassListEntry {
                student_id: i as i64,
                moet_code: None,
                name: FullName::parse(n).unwrap(),
                date_of_birth: "2013-01-01".into(),
                sex: Sex::Female,
            })
            .collect();
        sort_class_list(&mut list);
        let order: Vec<String> = list.iter().map(|e| e.name.full()).collect();
        assert_eq!(
            order,
            [
                "Bùi Lan Anh",
                "Bùi Thị Anh",
                "Võ Thị Anh",
                "Phạm Thị Ánh",
                "Đỗ Ngọc Bình",
                "Nguyễn Văn Dũng",
                "Lê Minh Đức",
                "Trần Văn Em",
            ]
        );
    }
}
