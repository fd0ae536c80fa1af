// Python's `datetime.strftime` for `strftime_now`, with the C locale's English names (what
// transformers produces on a default system). Templates use it for "Today Date: 26 Jul 2024"
// style lines (Llama 3.x: `strftime_now("%d %b %Y")`).

import Foundation

enum Strftime {
    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                                 "October", "November", "December"]

    static func format(_ pattern: String, date: Date, timeZone: TimeZone) throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let year = parts.year ?? 1970, month = parts.month ?? 1, day = parts.day ?? 1
        let hour = parts.hour ?? 0, minute = parts.minute ?? 0, second = parts.second ?? 0
        let weekday = (parts.weekday ?? 1) - 1
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        func padded(_ number: Int, _ width: Int, _ pad: Character = "0") -> String {
            let digits = String(number)
            return String(repeating: pad, count: max(0, width - digits.count)) + digits
        }
        var output = ""
        var scalars = Array(pattern)[...]
        while let character = scalars.popFirst() {
            guard character == "%" else { output.append(character); continue }
            var noPadding = false
            if scalars.first == "-" { noPadding = true; scalars.removeFirst() }
            guard let code = scalars.popFirst() else { output += "%"; break }
            func number(_ value: Int, _ width: Int) -> String { noPadding ? String(value) : padded(value, width) }
            switch code {
            case "a": output += String(weekdays[weekday].prefix(3))
            case "A": output += weekdays[weekday]
            case "b", "h": output += String(months[month - 1].prefix(3))
            case "B": output += months[month - 1]
            case "d": output += number(day, 2)
            case "e": output += noPadding ? String(day) : padded(day, 2, " ")
            case "m": output += number(month, 2)
            case "y": output += number(year % 100, 2)
            case "Y": output += String(year)
            case "H": output += number(hour, 2)
            case "I": output += number(hour % 12 == 0 ? 12 : hour % 12, 2)
            case "p": output += hour < 12 ? "AM" : "PM"
            case "M": output += number(minute, 2)
            case "S": output += number(second, 2)
            case "j": output += number(dayOfYear, 3)
            case "w": output += String(weekday)
            case "u": output += String(weekday == 0 ? 7 : weekday)
            case "F": output += String(year) + "-" + padded(month, 2) + "-" + padded(day, 2)
            case "D": output += padded(month, 2) + "/" + padded(day, 2) + "/" + padded(year % 100, 2)
            case "T": output += padded(hour, 2) + ":" + padded(minute, 2) + ":" + padded(second, 2)
            case "Z": output += timeZone.abbreviation(for: date) ?? ""
            case "z":
                let offset = timeZone.secondsFromGMT(for: date) / 60
                output += (offset < 0 ? "-" : "+") + padded(abs(offset) / 60, 2) + padded(abs(offset) % 60, 2)
            case "%": output += "%"
            default:
                throw TemplateError(.unsupported, "strftime format code '%\(code)'")
            }
        }
        return output
    }
}
