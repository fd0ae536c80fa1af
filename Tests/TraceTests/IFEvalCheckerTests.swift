import Trace
import Testing

/// One pass and one fail per kind (arguments taken from the IFEval data), plus the reference's
/// quirks that a faithful port must keep. Expected values were checked against the reference
/// implementation (google-research instruction_following_eval with NLTK 3.9.1 and langdetect).
@Suite("IFEval checkers")
struct IFEvalCheckerTests {
    private func passes(_ instruction: IFEvalInstruction, _ response: String) -> Bool {
        instruction.isFollowed(by: response)
    }

    @Test("keywords:existence — every keyword, case-insensitively, anywhere")
    func keywordsExistence() {
        let instruction = IFEvalInstruction.keywordsExistence(keywords: ["correlated", "experiencing"])
        #expect(passes(instruction, "Stress is CORRELATED with sleep; people experiencing it..."))
        #expect(!passes(instruction, "Stress is correlated with sleep."))
        // Substring matches count, as with re.search.
        #expect(passes(.keywordsExistence(keywords: ["cat"]), "concatenate"))
    }

    @Test("keywords:frequency — non-overlapping, case-insensitive occurrences")
    func keywordsFrequency() {
        let atLeast = IFEvalInstruction.keywordsFrequency(keyword: "story", frequency: 2, relation: .atLeast)
        #expect(passes(atLeast, "A Story within a story."))
        #expect(!passes(atLeast, "One story only."))
        let lessThan = IFEvalInstruction.keywordsFrequency(keyword: "photography", frequency: 1, relation: .lessThan)
        #expect(passes(lessThan, "I like photos."))
        #expect(!passes(lessThan, "Photography is fun."))
        #expect(passes(.keywordsFrequency(keyword: "aa", frequency: 2, relation: .lessThan), "aaa"))
    }

    @Test("keywords:forbidden_words — whole words only, case-insensitively")
    func forbiddenWords() {
        let instruction = IFEvalInstruction.keywordsForbiddenWords(words: ["can", "ride"])
        #expect(passes(instruction, "Canada and riders are fine; cannot is fine too."))
        #expect(!passes(instruction, "You CAN do it."))
        #expect(!passes(instruction, "a bike-ride"))
    }

    @Test("keywords:letter_frequency — counts the lower-cased letter")
    func letterFrequency() {
        let instruction = IFEvalInstruction.keywordsLetterFrequency(letter: "q", frequency: 5, relation: .atLeast)
        #expect(passes(instruction, "Quick quiet quails quack quaintly."))
        #expect(!passes(instruction, "Quick quiet quails."))
        let hashes = IFEvalInstruction.keywordsLetterFrequency(letter: "#", frequency: 4, relation: .atLeast)
        #expect(passes(hashes, "#one #two #three #four"))
        #expect(!passes(hashes, "#one #two #three"))
    }

    @Test("language:response_language — detected language must match")
    func responseLanguage() {
        let instruction = IFEvalInstruction.responseLanguage(language: "kn")
        #expect(passes(instruction, "ಇಂದು ಹವಾಮಾನ ತುಂಬಾ ಚೆನ್ನಾಗಿತ್ತು, ಆದ್ದರಿಂದ ನಾವು ಮಾರುಕಟ್ಟೆಗೆ ಹೋದೆವು."))
        #expect(!passes(instruction, "The weather was lovely, so we went to the market."))
        // No letters at all: langdetect raises, and the reference counts that as followed.
        #expect(passes(instruction, "12345 !!!"))
    }

    @Test("length_constraints:number_sentences — Punkt sentence count")
    func numberSentences() {
        let instruction = IFEvalInstruction.numberSentences(count: 3, relation: .lessThan)
        #expect(passes(instruction, "Mr. Smith went to Washington. He said hi!"))
        #expect(!passes(instruction, "One. Two. Three."))
        #expect(passes(.numberSentences(count: 3, relation: .atLeast), "Is it? Yes! No."))
    }

    @Test("length_constraints:number_paragraphs — pieces between *** dividers")
    func numberParagraphs() {
        let instruction = IFEvalInstruction.numberParagraphs(count: 3)
        #expect(passes(instruction, "One.\n***\nTwo.\n***\nThree."))
        // Leading and trailing dividers are tolerated; an empty middle piece is not.
        #expect(passes(instruction, "***\nOne.\n***\nTwo.\n***\nThree.\n***"))
        #expect(!passes(instruction, "One.\n***\n***\nTwo.\n***\nThree."))
        #expect(!passes(instruction, "One.\n\nTwo.\n\nThree."))
    }

    @Test("length_constraints:number_words — \\w+ runs")
    func numberWords() {
        let instruction = IFEvalInstruction.numberWords(count: 5, relation: .lessThan)
        #expect(passes(instruction, "It's ok!"))  // It, s, ok
        #expect(!passes(instruction, "It's 3.14, ok?"))  // It, s, 3, 14, ok: five is not less than five
        #expect(!passes(instruction, "snake_case counts once but these are six words"))
        #expect(passes(.numberWords(count: 6, relation: .atLeast), "Hello, world! It's 3.14"))
    }

    @Test("length_constraints:nth_paragraph_first_word — with the reference's indexing quirk")
    func nthParagraphFirstWord() {
        let instruction = IFEvalInstruction.nthParagraphFirstWord(paragraphs: 2, nth: 2, firstWord: "president")
        #expect(passes(instruction, "Intro text.\n\n\"President, of course,\" he said."))
        #expect(!passes(instruction, "Intro text.\n\nThe president said."))
        #expect(!passes(instruction, "Intro text.\n\nPresident.\n\nExtra paragraph."))
        // A blank piece lowers the paragraph count but still takes an index: paragraph 2 is blank here.
        #expect(!passes(instruction, "Intro text.\n\n\n\nPresident speaks."))
        // Punctuation ends the first word; a leading ' then " is not fully stripped.
        #expect(passes(.nthParagraphFirstWord(paragraphs: 1, nth: 1, firstWord: "weekend"), "Weekend's plans."))
        #expect(!passes(.nthParagraphFirstWord(paragraphs: 1, nth: 1, firstWord: "weekend"), "\"'Weekend plans."))
    }

    @Test("detectable_content:number_placeholders — [..] on one line")
    func placeholders() {
        let instruction = IFEvalInstruction.numberPlaceholders(minimum: 3)
        #expect(passes(instruction, "[name] at [address] on [date]"))
        #expect(!passes(instruction, "[name] at [address] on [date\n]"))
    }

    @Test("detectable_content:postscript — P.S. and P.P.S patterns")
    func postscript() {
        let ps = IFEvalInstruction.postscript(marker: "P.S.")
        #expect(passes(ps, "Body.\n\np.s. see you"))
        #expect(passes(ps, "Body.\nP. S. spaced"))
        #expect(!passes(ps, "Body.\nPS see you"))
        let pps = IFEvalInstruction.postscript(marker: "P.P.S")
        #expect(passes(pps, "Body.\nP.P.S hello"))
        #expect(passes(pps, "Body.\nP. P. S hello"))
        #expect(!passes(pps, "Body.\nP.S. hello"))
    }

    @Test("detectable_format:number_bullet_lists — * and - bullets, exact count")
    func bulletLists() {
        let instruction = IFEvalInstruction.numberBulletLists(count: 3)
        #expect(passes(instruction, "Intro\n* one\n  * two\n- three"))
        #expect(!passes(instruction, "* one\n* two"))
        // "**bold**" lines are not bullets; a lone "*" line swallows the next line.
        #expect(passes(.numberBulletLists(count: 1), "**bold**\n* one"))
        #expect(passes(.numberBulletLists(count: 1), "*\n* b"))
    }

    @Test("detectable_format:constrained_response — one of the three options")
    func constrainedResponse() {
        #expect(passes(.constrainedResponse, "Well... My answer is maybe. Here is why."))
        #expect(!passes(.constrainedResponse, "my answer is yes."))
    }

    @Test("detectable_format:number_highlighted_sections — *x* and **x**")
    func highlightedSections() {
        let instruction = IFEvalInstruction.numberHighlightedSections(minimum: 3)
        #expect(passes(instruction, "*one* and **two** and *three*"))
        #expect(!passes(instruction, "*one* and *  * and ** ** and *two"))
        // "**bold**" counts once (through the double pattern), never twice.
        #expect(!passes(.numberHighlightedSections(minimum: 2), "**bold**"))
        #expect(passes(.numberHighlightedSections(minimum: 1), "**bold**"))
    }

    @Test("detectable_format:multiple_sections — splitter followed by a number")
    func multipleSections() {
        let instruction = IFEvalInstruction.multipleSections(splitter: "SECTION", minimum: 2)
        #expect(passes(instruction, "SECTION 1\nIntro.\nSECTION 2\nBody."))
        #expect(!passes(instruction, "SECTION 1\nIntro.\nSection 2\nBody."))
        #expect(passes(instruction, "SECTION1 and SECTION 2"))
        #expect(!passes(instruction, "SECTION X and SECTION Y"))
    }

    @Test("detectable_format:json_format — json.loads after removing a fence")
    func jsonFormat() {
        #expect(passes(.jsonFormat, "```json\n{\"a\": [1, 2.5, NaN]}\n```"))
        #expect(passes(.jsonFormat, "  \"just a string\"  "))
        #expect(!passes(.jsonFormat, "Here it is: {\"a\": 1}"))
        #expect(!passes(.jsonFormat, "{\"a\": 1,}"))
    }

    @Test("detectable_format:title — <<title>> on one line, greedy to the last >>")
    func title() {
        #expect(passes(.title, "<<Poem of Joy>>\nLines..."))
        #expect(!passes(.title, "<< >> and <<\n>>"))
        #expect(passes(.title, "<< >> x <<y>>"))
    }

    @Test("combination:two_responses — two different answers around ******")
    func twoResponses() {
        #expect(passes(.twoResponses, "First answer.\n******\nSecond answer."))
        #expect(!passes(.twoResponses, "Same.\n******\nSame."))
        #expect(!passes(.twoResponses, "A ****** ****** B"))
        #expect(passes(.twoResponses, "****** A ****** B ******"))
    }

    @Test("combination:repeat_prompt — starts with the request, case-insensitively")
    func repeatPrompt() {
        let instruction = IFEvalInstruction.repeatPrompt(prompt: "Write an email to my boss telling him that I am quitting.")
        #expect(passes(instruction, "  WRITE AN EMAIL TO MY BOSS TELLING HIM THAT I AM QUITTING.\nDear boss, ..."))
        #expect(!passes(instruction, "Sure! Write an email to my boss telling him that I am quitting."))
    }

    @Test("startend:end_checker — ends with the phrase, ignoring case and wrapping quotes")
    func endChecker() {
        let instruction = IFEvalInstruction.endChecker(phrase: "Is there anything else I can help with?")
        #expect(passes(instruction, "\"Done. is there anything else I can help with?\"\n"))
        #expect(!passes(instruction, "Is there anything else I can help with? Bye."))
    }

    @Test("change_case:capital_word_frequency — word_tokenize tokens that are upper case")
    func capitalWordFrequency() {
        let instruction = IFEvalInstruction.capitalWordFrequency(frequency: 3, relation: .atLeast)
        #expect(passes(instruction, "DON'T STOP"))  // DO, N'T, STOP
        #expect(!passes(instruction, "AI/ML is USA-based"))
        #expect(passes(.capitalWordFrequency(frequency: 2, relation: .lessThan), "Only ONE here."))
    }

    @Test("change_case:english_capital — all upper case and English")
    func englishCapital() {
        #expect(passes(.englishCapital, "I AM WRITING TO LET YOU KNOW THAT I WILL BE LEAVING THE COMPANY."))
        #expect(!passes(.englishCapital, "I AM writing TO LET YOU KNOW."))
        #expect(!passes(.englishCapital, "HEUTE IST DAS WETTER SEHR SCHÖN UND WIR SIND ZUM MARKT GEGANGEN."))
    }

    @Test("change_case:english_lowercase — all lower case and English")
    func englishLowercase() {
        #expect(passes(.englishLowercase, "this is a tweet about the weather, and it is lovely."))
        #expect(!passes(.englishLowercase, "This is a tweet about the weather."))
        #expect(!passes(.englishLowercase, "oggi il tempo era piacevole, quindi siamo andati al mercato."))
    }

    @Test("punctuation:no_comma")
    func noComma() {
        #expect(passes(.noComma, "No commas here; none at all."))
        #expect(!passes(.noComma, "One, two."))
    }

    @Test("startend:quotation — wrapped in double quotes after stripping")
    func quotation() {
        #expect(passes(.quotation, "  \"Wrapped.\"\n"))
        #expect(!passes(.quotation, "\u{201C}Curly quotes do not count.\u{201D}"))
        #expect(!passes(.quotation, "\""))
    }

    @Test("the checker closure agrees with isFollowed")
    func checkerClosure() {
        let check = IFEvalChecker.checker(for: .noComma)
        #expect(check("a b"))
        #expect(!check("a, b"))
    }
}
