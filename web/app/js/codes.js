// The CITES code lists the API accepts (opencites codes.go) and their
// names in English, Russian and Kyrgyz (type_*, purpose_*, source_*,
// term_*, unit_*): every screen that shows a permit uses them, the public
// verification page too.
import { register, t } from "./i18n.js";

export const TYPES = ["export", "re-export", "import", "origin", "introduction-from-sea", "pre-convention",
  "captive-breeding", "travelling-exhibition", "musical-instrument", "personal-ownership", "other"];
export const PURPOSES = ["T", "Z", "G", "Q", "S", "H", "P", "M", "E", "N", "B", "L"];
export const SOURCES = ["W", "R", "D", "A", "C", "F", "U", "I", "X", "Y"];
export const TERMS = ["BAR", "BOD", "BON", "CAR", "CAV", "CLA", "DER", "DPL", "EGG", "EGL", "EXT", "FEA", "FIN", "FLO",
  "GAB", "GAL", "GAR", "HAI", "HOR", "LEA", "LIV", "MEA", "MED", "MUS", "OIL", "PIE", "POW", "ROO", "SEE", "SHE",
  "SKE", "SKI", "SKP", "SKU", "SPE", "STE", "TEE", "TRO", "TUS", "WOO"];
export const UNITS = ["", "kg", "g", "l", "ml", "m", "m2", "m3", "cm"];

// codeLabel is "LIV — live": the code as printed, and its name.
export const codeLabel = (prefix, code) => (code ? `${code} — ${t(prefix + code)}` : t(prefix + code));

register({
  en: {
    "type_export": "Export permit", "type_re-export": "Re-export certificate", "type_import": "Import permit",
    "type_origin": "Certificate of origin", "type_introduction-from-sea": "Introduction from the sea",
    "type_pre-convention": "Pre-Convention certificate", "type_captive-breeding": "Captive-breeding certificate",
    "type_travelling-exhibition": "Travelling-exhibition certificate", "type_musical-instrument": "Musical-instrument certificate",
    "type_personal-ownership": "Personal-ownership certificate", "type_other": "Other",
    purpose_T: "Commercial", purpose_Z: "Zoo", purpose_G: "Botanical garden", purpose_Q: "Circus or travelling exhibition",
    purpose_S: "Scientific", purpose_H: "Hunting trophy", purpose_P: "Personal", purpose_M: "Medical", purpose_E: "Educational",
    purpose_N: "Reintroduction or introduction into the wild", purpose_B: "Breeding in captivity or artificial propagation",
    purpose_L: "Law enforcement, judicial or forensic",
    source_W: "Taken from the wild", source_R: "Ranched", source_D: "Appendix I, bred or propagated in a registered operation",
    source_A: "Artificially propagated plants", source_C: "Bred in captivity", source_F: "Born in captivity (F1 or later)",
    source_U: "Source unknown", source_I: "Confiscated or seized", source_X: "Taken from the sea outside any State's jurisdiction",
    source_Y: "Assisted production",
    term_BAR: "bark", term_BOD: "bodies", term_BON: "bones", term_CAR: "carvings", term_CAV: "caviar", term_CLA: "claws",
    term_DER: "derivatives", term_DPL: "dried plants", term_EGG: "eggs", term_EGL: "live eggs", term_EXT: "extract",
    term_FEA: "feathers", term_FIN: "fins", term_FLO: "flowers", term_GAB: "gall bladders", term_GAL: "gall",
    term_GAR: "garments", term_HAI: "hair", term_HOR: "horns", term_LEA: "leather", term_LIV: "live", term_MEA: "meat",
    term_MED: "medicine", term_MUS: "musk", term_OIL: "oil", term_PIE: "pieces", term_POW: "powder", term_ROO: "roots",
    term_SEE: "seeds", term_SHE: "shells", term_SKE: "skeletons", term_SKI: "skins", term_SKP: "skin pieces",
    term_SKU: "skulls", term_SPE: "scientific specimens", term_STE: "stems", term_TEE: "teeth", term_TRO: "trophies",
    term_TUS: "tusks", term_WOO: "wood products",
    unit_: "number of specimens", unit_kg: "kilograms", unit_g: "grams", unit_l: "litres", unit_ml: "millilitres",
    unit_m: "metres", unit_m2: "square metres", unit_m3: "cubic metres", unit_cm: "centimetres",
  },
  ru: {
    "type_export": "Разрешение на экспорт", "type_re-export": "Сертификат на реэкспорт", "type_import": "Разрешение на импорт",
    "type_origin": "Сертификат происхождения", "type_introduction-from-sea": "Интродукция из моря",
    "type_pre-convention": "Сертификат «до Конвенции»", "type_captive-breeding": "Сертификат о разведении в неволе",
    "type_travelling-exhibition": "Сертификат передвижной выставки", "type_musical-instrument": "Сертификат на музыкальный инструмент",
    "type_personal-ownership": "Сертификат личной собственности", "type_other": "Другой",
    purpose_T: "Коммерческая", purpose_Z: "Зоопарк", purpose_G: "Ботанический сад", purpose_Q: "Цирк или передвижная выставка",
    purpose_S: "Научная", purpose_H: "Охотничий трофей", purpose_P: "Личная", purpose_M: "Медицинская", purpose_E: "Образовательная",
    purpose_N: "Реинтродукция или интродукция в дикую природу", purpose_B: "Разведение в неволе или искусственное размножение",
    purpose_L: "Правоохранительная, судебная или криминалистическая",
    source_W: "Изъяты из дикой природы", source_R: "Выращены на ранчо", source_D: "Приложение I, разведены или выращены в зарегистрированном хозяйстве",
    source_A: "Искусственно выращенные растения", source_C: "Разведены в неволе", source_F: "Рождены в неволе (F1 и далее)",
    source_U: "Источник неизвестен", source_I: "Конфискованы или изъяты", source_X: "Добыты в море вне юрисдикции какого-либо государства",
    source_Y: "Вспомогательное производство",
    term_BAR: "кора", term_BOD: "тела", term_BON: "кости", term_CAR: "резные изделия", term_CAV: "икра", term_CLA: "когти",
    term_DER: "производные", term_DPL: "сухие растения", term_EGG: "яйца", term_EGL: "живые яйца", term_EXT: "экстракт",
    term_FEA: "перья", term_FIN: "плавники", term_FLO: "цветы", term_GAB: "желчные пузыри", term_GAL: "жёлчь",
    term_GAR: "одежда", term_HAI: "шерсть", term_HOR: "рога", term_LEA: "кожа", term_LIV: "живые", term_MEA: "мясо",
    term_MED: "лекарства", term_MUS: "мускус", term_OIL: "жир, масло", term_PIE: "фрагменты", term_POW: "порошок", term_ROO: "корни",
    term_SEE: "семена", term_SHE: "панцири, раковины", term_SKE: "скелеты", term_SKI: "шкуры", term_SKP: "куски шкур",
    term_SKU: "черепа", term_SPE: "научные образцы", term_STE: "стебли", term_TEE: "зубы", term_TRO: "трофеи",
    term_TUS: "бивни", term_WOO: "изделия из древесины",
    unit_: "число экземпляров", unit_kg: "килограммы", unit_g: "граммы", unit_l: "литры", unit_ml: "миллилитры",
    unit_m: "метры", unit_m2: "квадратные метры", unit_m3: "кубические метры", unit_cm: "сантиметры",
  },
  ky: {
    "type_export": "Экспорттук уруксат", "type_re-export": "Реэкспорттук күбөлүк", "type_import": "Импорттук уруксат",
    "type_origin": "Келип чыгуу күбөлүгү", "type_introduction-from-sea": "Деңизден алып келүү",
    "type_pre-convention": "Конвенцияга чейинки күбөлүк", "type_captive-breeding": "Туткунда көбөйтүү күбөлүгү",
    "type_travelling-exhibition": "Көчмө көргөзмө күбөлүгү", "type_musical-instrument": "Музыкалык аспап күбөлүгү",
    "type_personal-ownership": "Жеке менчик күбөлүгү", "type_other": "Башка",
    purpose_T: "Коммерциялык", purpose_Z: "Зоопарк", purpose_G: "Ботаникалык бак", purpose_Q: "Цирк же көчмө көргөзмө",
    purpose_S: "Илимий", purpose_H: "Аңчылык трофейи", purpose_P: "Жеке", purpose_M: "Медициналык", purpose_E: "Билим берүү",
    purpose_N: "Жапайы жаратылышка кайра же жаңыдан жерсиндирүү", purpose_B: "Туткунда көбөйтүү же жасалма өстүрүү",
    purpose_L: "Укук коргоо, сот же криминалистика",
    source_W: "Жапайы жаратылыштан алынган", source_R: "Ранчодо өстүрүлгөн", source_D: "I-тиркеме, катталган чарбада көбөйтүлгөн же өстүрүлгөн",
    source_A: "Жасалма жол менен өстүрүлгөн өсүмдүктөр", source_C: "Туткунда көбөйтүлгөн", source_F: "Туткунда туулган (F1 жана андан кийин)",
    source_U: "Булагы белгисиз", source_I: "Конфискацияланган же алынып коюлган", source_X: "Эч бир мамлекеттин юрисдикциясынан тышкары деңизден алынган",
    source_Y: "Көмөкчү өндүрүш",
    term_BAR: "кабык", term_BOD: "денелер", term_BON: "сөөктөр", term_CAR: "оймо буюмдар", term_CAV: "уулдурук", term_CLA: "тырмактар",
    term_DER: "туунду продукциялар", term_DPL: "кургатылган өсүмдүктөр", term_EGG: "жумурткалар", term_EGL: "тирүү жумурткалар", term_EXT: "экстракт",
    term_FEA: "куш жүнү", term_FIN: "сүзгүч канаттар", term_FLO: "гүлдөр", term_GAB: "өт баштыктары", term_GAL: "өт",
    term_GAR: "кийимдер", term_HAI: "кыл, жүн", term_HOR: "мүйүздөр", term_LEA: "иштетилген тери", term_LIV: "тирүү", term_MEA: "эт",
    term_MED: "дары-дармектер", term_MUS: "мускус", term_OIL: "май", term_PIE: "бөлүктөр", term_POW: "порошок", term_ROO: "тамырлар",
    term_SEE: "уруктар", term_SHE: "кабыктар", term_SKE: "скелеттер", term_SKI: "терилер", term_SKP: "тери бөлүктөрү",
    term_SKU: "баш сөөктөр", term_SPE: "илимий үлгүлөр", term_STE: "сабактар", term_TEE: "тиштер", term_TRO: "трофейлер",
    term_TUS: "азуулар", term_WOO: "жыгач буюмдар",
    unit_: "үлгүлөрдүн саны", unit_kg: "килограмм", unit_g: "грамм", unit_l: "литр", unit_ml: "миллилитр",
    unit_m: "метр", unit_m2: "чарчы метр", unit_m3: "куб метр", unit_cm: "сантиметр",
  },
});
