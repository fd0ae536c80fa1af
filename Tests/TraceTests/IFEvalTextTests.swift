import Trace
import Testing

/// One sentence per language, written for these tests; langdetect identifies each correctly.
enum IFEvalLanguageSamples {
    static let text: [String: String] = [
        "en": "The weather was pleasant today, so we walked to the market and bought some fresh bread for the family.",
        "de": "Das Wetter war heute sehr schön, deshalb sind wir zum Markt gegangen und haben frisches Brot für die Familie gekauft.",
        "fr": "Le temps était agréable aujourd'hui, alors nous sommes allés au marché et nous avons acheté du pain frais pour la famille.",
        "es": "El tiempo estaba agradable hoy, así que fuimos al mercado y compramos pan fresco para la familia.",
        "pt": "O tempo estava agradável hoje, então fomos ao mercado e compramos pão fresco para a família.",
        "it": "Oggi il tempo era piacevole, quindi siamo andati al mercato e abbiamo comprato del pane fresco per la famiglia.",
        "fi": "Sää oli tänään mukava, joten kävelimme torille ja ostimme tuoretta leipää koko perheelle.",
        "sw": "Hali ya hewa ilikuwa nzuri leo, kwa hiyo tulitembea sokoni na kununua mkate mpya kwa ajili ya familia.",
        "vi": "Hôm nay thời tiết rất đẹp, vì vậy chúng tôi đi bộ ra chợ và mua bánh mì tươi cho cả gia đình.",
        "ru": "Сегодня была хорошая погода, поэтому мы пошли на рынок и купили свежий хлеб для всей семьи.",
        "bg": "Днес времето беше приятно, затова отидохме на пазара и купихме пресен хляб за цялото семейство.",
        "uk": "Сьогодні була гарна погода, тому ми пішли на ринок і купили свіжий хліб для всієї родини.",
        "hi": "आज मौसम बहुत अच्छा था, इसलिए हम बाज़ार गए और परिवार के लिए ताज़ी रोटी खरीदी।",
        "mr": "आज हवामान खूप छान होते, म्हणून आम्ही बाजारात गेलो आणि कुटुंबासाठी ताजी भाकरी विकत घेतली.",
        "ne": "आज मौसम धेरै राम्रो थियो, त्यसैले हामी बजार गयौं र परिवारका लागि ताजा रोटी किन्यौं।",
        "ar": "كان الطقس لطيفا اليوم، لذلك ذهبنا إلى السوق واشترينا خبزا طازجا للعائلة.",
        "fa": "امروز هوا خیلی خوب بود، برای همین به بازار رفتیم و برای خانواده نان تازه خریدیم.",
        "ur": "آج موسم بہت اچھا تھا، اس لیے ہم بازار گئے اور گھر والوں کے لیے تازہ روٹی خریدی۔",
        "bn": "আজ আবহাওয়া খুব ভালো ছিল, তাই আমরা বাজারে গিয়েছিলাম এবং পরিবারের জন্য তাজা রুটি কিনেছিলাম।",
        "pa": "ਅੱਜ ਮੌਸਮ ਬਹੁਤ ਵਧੀਆ ਸੀ, ਇਸ ਲਈ ਅਸੀਂ ਬਾਜ਼ਾਰ ਗਏ ਅਤੇ ਪਰਿਵਾਰ ਲਈ ਤਾਜ਼ੀ ਰੋਟੀ ਖਰੀਦੀ।",
        "gu": "આજે હવામાન ખૂબ સરસ હતું, તેથી અમે બજારમાં ગયા અને પરિવાર માટે તાજી રોટલી ખરીદી.",
        "ta": "இன்று வானிலை மிகவும் நன்றாக இருந்தது, எனவே நாங்கள் சந்தைக்குச் சென்று குடும்பத்திற்காக புதிய ரொட்டி வாங்கினோம்.",
        "te": "ఈ రోజు వాతావరణం చాలా బాగుంది, అందుకే మేము మార్కెట్‌కు వెళ్లి కుటుంబం కోసం తాజా రొట్టె కొన్నాము.",
        "kn": "ಇಂದು ಹವಾಮಾನ ತುಂಬಾ ಚೆನ್ನಾಗಿತ್ತು, ಆದ್ದರಿಂದ ನಾವು ಮಾರುಕಟ್ಟೆಗೆ ಹೋಗಿ ಕುಟುಂಬಕ್ಕಾಗಿ ತಾಜಾ ರೊಟ್ಟಿ ಖರೀದಿಸಿದೆವು.",
        "th": "วันนี้อากาศดีมาก เราจึงเดินไปตลาดและซื้อขนมปังสดให้ครอบครัว",
        "ko": "오늘 날씨가 정말 좋아서 우리는 시장에 걸어가서 가족을 위해 신선한 빵을 샀습니다.",
        "ja": "今日は天気がとても良かったので、市場まで歩いて家族のために焼きたてのパンを買いました。",
        "zh-cn": "今天天气很好，所以我们走到市场，为家人买了新鲜的面包。",
    ]
}

/// Expected values below were produced by the reference stack (NLTK 3.9.1 with the English Punkt
/// model, Python `re`, langdetect) on the same inputs.
@Suite("IFEval text utilities")
struct IFEvalTextTests {
    @Test("word counts are Python's \\w+ runs, combining marks excluded", arguments: [
        ("Hello, world! It's 3.14", 6),
        ("\u{0E2A}\u{0E40}\u{0E1B}\u{0E23}\u{0E14}\u{0E0A}\u{0E35}\u{0E15}", 2),  // Thai: the vowel sign U+0E35 splits the word
        ("हिंदी भाषा", 4),
        ("snake_case and CamelCase", 3),
        ("naïve café", 2),
        ("١٢٣ ٤٥", 2),
        ("", 0),
        ("—–", 0),
        ("x²", 1),
    ])
    func words(text: String, expected: Int) {
        #expect(IFEvalWordTokenizer.countWords(text) == expected)
    }

    @Test("sentence counts match NLTK Punkt", arguments: [
        ("", 0), ("   ", 0), ("Hello world", 1), ("Hello world.", 1), ("Hello. World.", 2),
        ("Mr. Smith went to Washington. He said hi!", 2),
        ("Very bad acting!!! I promise.", 2),
        ("He said \"Stop.\" Then he left.", 2),
        ("(Sent1.) Sent2.", 2),
        ("I live in the U.S. The weather is nice.", 2),
        ("See e.g. the report.", 2),
        ("1. First item\n2. Second item\n3. Third item", 4),
        ("Wait... and then nothing.", 1),
        ("Wait... The end.", 2),
        ("It costs $3.50 per item. Cheap!", 2),
        ("No period at the end\nnor here", 1),
        ("Is it? Yes! No.", 3),
        ("The meeting is at 3 p.m. Don't be late.", 1),
        ("* one\n* two\n* three", 1),
        ("Step 1: Do this. Step 2: Do that.", 2),
        ("He scored 10. then 20.", 1),
        ("Plan B. The end.", 2),
        ("A. Introduction\nB. Methods", 3),
        ("Dr. Jones arrived.", 1),
        ("She works at Apple Inc. She likes it.", 1),
        ("Hello.World. Foo", 2),
    ])
    func sentences(text: String, expected: Int) {
        #expect(IFEvalSentenceSplitter.countSentences(text) == expected)
    }

    @Test("sentences keep their text, with closing quotes realigned")
    func sentenceText() {
        #expect(IFEvalSentenceSplitter.sentences("He said \"Stop.\" Then he left.") == ["He said \"Stop.\"", "Then he left."])
        #expect(IFEvalSentenceSplitter.sentences("(Sent1.) Sent2.") == ["(Sent1.)", "Sent2."])
    }

    @Test("capital words follow nltk.word_tokenize splitting", arguments: [
        ("DON'T STOP", 3), ("I CANNOT DO IT", 5), ("AI/ML is USA-based", 1), ("WELL-KNOWN FACT: NASA, ESA.", 4),
        ("Hello WORLD (FOO) [BAR] {BAZ}", 4), ("IT'S \"QUOTED\" TEXT", 4), ("A,B C:D 1,000", 4), ("GONNA WANNA", 4),
        ("\u{2018}SINGLE\u{2019} \u{201C}DOUBLE\u{201D}", 2), ("nothing here", 0), ("I", 1),
    ])
    func capitalWords(text: String, expected: Int) {
        #expect(IFEvalWordTokenizer.countCapitalWords(text) == expected)
    }

    @Test("language identification on every language of the data")
    func languages() {
        for (code, text) in IFEvalLanguageSamples.text {
            #expect(IFEvalLanguageDetector.detect(text) == code, "\(code)")
        }
        #expect(IFEvalLanguageDetector.detect("123 !!! ...") == nil)
        #expect(IFEvalLanguageDetector.detect("THE WEATHER WAS PLEASANT TODAY, SO WE WALKED TO THE MARKET.") == "en")
        // Decomposed (NFD) Vietnamese is still Vietnamese.
        #expect(IFEvalLanguageDetector.detect("Ho\u{0302}m nay tho\u{031B}\u{0300}i tie\u{0302}\u{0301}t ra\u{0302}\u{0301}t đe\u{0323}p va\u{0300} chu\u{0301}ng to\u{0302}i đi") == "vi")
        // Persian typed with Arabic yeh and kaf is still Persian.
        var arabicForms = String.UnicodeScalarView()
        for scalar in IFEvalLanguageSamples.text["fa"]!.unicodeScalars {
            arabicForms.append(scalar == "\u{06CC}" ? "\u{064A}" : scalar == "\u{06A9}" ? "\u{0643}" : scalar)
        }
        #expect(String(arabicForms).unicodeScalars.contains("\u{064A}"))
        #expect(IFEvalLanguageDetector.detect(String(arabicForms)) == "fa")
    }

    @Test("JSON acceptance follows Python's json.loads", arguments: [
        ("{\"a\": [1, 2.5e3, -0, true, null]}", true), ("[NaN, Infinity, -Infinity]", true), ("\"top-level string\"", true),
        ("42", true), (" \n\t{} \r\n", true), ("{\"a\": 1, \"a\": 2}", true), ("\"\\ud800\"", true), ("\"\\u00e9\\n\"", true),
        ("{\"a\": 1,}", false), ("[1, 2", false), ("{'a': 1}", false), ("01", false), ("1.", false), ("-", false),
        ("\"tab\there\"", false), ("{} {}", false), ("", false), ("\u{00A0}{}", false), ("nan", false), ("\"\\x41\"", false),
    ])
    func json(text: String, valid: Bool) {
        #expect(IFEvalJSON.isValid(text) == valid)
    }

    @Test("JSON values are typed")
    func jsonValues() throws {
        let value = try IFEvalJSON.parse("{\"n\": 3, \"x\": 2.5, \"s\": \"\\u00e9\", \"l\": [null, false], \"big\": 123456789012345678901234}")
        guard case let .object(members) = value else {
            Issue.record("expected an object")
            return
        }
        #expect(members["n"] == .integer(3))
        #expect(members["x"] == .double(2.5))
        #expect(members["s"] == .string("é"))
        #expect(members["l"] == .array([.null, .bool(false)]))
        #expect(members["big"] == .double(123456789012345678901234.0))
        #expect(throws: IFEvalJSONSyntaxError.self) { try IFEvalJSON.parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) }
    }
}
