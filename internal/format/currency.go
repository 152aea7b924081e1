package format

import (
	"slices"
	"strings"
)

// CurrencyCodes are the ISO 4217 codes of the currencies in use (funds,
// metals and testing codes left out), sorted: the currency setting must be
// one of them.
var CurrencyCodes = strings.Fields(`AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL`)

// IsCurrencyCode reports whether code is one of CurrencyCodes (upper case).
func IsCurrencyCode(code string) bool {
	_, ok := slices.BinarySearch(CurrencyCodes, code)
	return ok
}

// localeCurrency is the currency of a business locale's region, for the
// default of the currency setting: "de-DE" → EUR, "en_GB" → GBP.
var localeCurrency = map[string]string{
	"US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "IE": "EUR", "DE": "EUR", "AT": "EUR",
	"FR": "EUR", "BE": "EUR", "NL": "EUR", "LU": "EUR", "IT": "EUR", "ES": "EUR", "PT": "EUR", "FI": "EUR",
	"GR": "EUR", "SK": "EUR", "SI": "EUR", "EE": "EUR", "LV": "EUR", "LT": "EUR", "MT": "EUR", "CY": "EUR",
	"HR": "EUR", "CH": "CHF", "LI": "CHF", "SE": "SEK", "NO": "NOK", "DK": "DKK", "IS": "ISK", "PL": "PLN",
	"CZ": "CZK", "HU": "HUF", "RO": "RON", "BG": "BGN", "JP": "JPY", "CN": "CNY", "HK": "HKD", "SG": "SGD",
	"IN": "INR", "KR": "KRW", "TW": "TWD", "BR": "BRL", "MX": "MXN", "AR": "ARS", "CL": "CLP", "CO": "COP",
	"ZA": "ZAR", "IL": "ILS", "TR": "TRY", "AE": "AED", "SA": "SAR", "UA": "UAH",
}

// CurrencyOfLocale returns the currency of a locale such as "de-DE" or
// "en_GB.UTF-8" by its region, or "USD" when the locale names none this
// knows.
func CurrencyOfLocale(locale string) string {
	locale, _, _ = strings.Cut(locale, ".")
	if _, region, ok := strings.Cut(strings.ReplaceAll(locale, "_", "-"), "-"); ok {
		if c, ok := localeCurrency[strings.ToUpper(region)]; ok {
			return c
		}
	}
	return "USD"
}
