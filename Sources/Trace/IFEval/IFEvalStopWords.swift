// Frequent function words per language, the evidence `IFEvalLanguageDetector` uses to tell apart
// languages that share a script. The lists are short and hand-made: each holds words that are
// very frequent in running text of its language. Words that are equally frequent in two languages
// of the same script (Russian/Bulgarian "и", "на", "не"; Hindi/Nepali "को") are left out of both,
// because they carry no evidence. Matching is on lower-cased tokens, and `Set<String>` membership
// compares strings by canonical equivalence, so NFC and NFD spellings match.
//
// The English list doubles as the "seen in lower case mid-sentence" approximation of Punkt's
// orthographic context in `IFEvalSentenceSplitter`.

enum IFEvalStopWords {
    static func words(_ list: String) -> Set<String> {
        Set(list.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    // MARK: Latin script

    static let english = words("""
        the a an and or but if of to in on at by for with from as is are was were be been being am it its
        this that these those there here he she they we you me him her them us my your his our their what
        which who whom whose when where why how all any both each few more most other some such no not only
        own same so than too very can will just should would could may might must shall do does did have has
        had having about into through during before after above below up down out off over under again
        further then once also because while until between against without within many much one like
        """)

    static let german = words("""
        der die das und ist nicht ein eine einen einem einer zu den dem des mit sich auf für von im auch es
        sie er wir ihr ich sind wird werden wurde hat haben kann können aber als wie wenn oder noch nach bei
        aus über nur dass diese dieser dieses man mehr sehr durch um ihre sein seine vom zum zur doch schon
        immer hier dann wo gibt keine kein ohne gegen unter zwischen bis heute jetzt viele ihnen uns euch
        """)

    static let french = words("""
        le la les de des du un une et est en que qui dans pour pas sur au aux avec ce cette ces il elle ils
        elles nous vous je tu on son sa ses leur leurs mais ou plus par ne se sont été être avoir fait comme
        tout tous très aussi bien peut même où donc sans sous entre notre votre qu est lui y
        """)

    static let spanish = words("""
        el la los las de del y en que es un una unos unas por para con no se su sus al lo como más pero sí
        este esta estos estas ese esa son está están fue ser hay muy también o le les ya cuando todo todos
        sin sobre entre donde hasta desde nos mi yo él ella ellos nosotros porque qué cómo puede tiene
        """)

    static let portuguese = words("""
        o a os as de do da dos das e em no na nos nas um uma uns umas que é para com não por se mais mas
        como ao aos à às seu sua seus suas ele ela eles elas foi ser são está estão muito também já quando
        isso isto este esta esse essa eu você nós pelo pela pelos pelas sobre entre até há tem têm ou quem
        onde porque então
        """)

    static let italian = words("""
        il lo la i gli le di del della dei delle degli dello e è un una uno che per con non in da dal dalla
        nel nella nei su sul sulla al alla ai sono si come più ma anche questo questa questi queste quello
        quella ha hanno essere stato molto se o tra fra perché quando dove cosa io tu lui lei noi voi loro
        suo sua suoi mio mia ci ne già ancora tutto tutti
        """)

    static let dutch = words("""
        de het een en van in is dat die niet op te met voor zijn er aan ook als maar om door bij naar uit
        dan of wat nog wordt worden werd kan kunnen deze dit hij zij wij ik je jij u hun ons onze geen meer
        zo al over tot heeft hebben was waren hoe waar wie omdat
        """)

    static let swedish = words("""
        och i att det som en ett på är av för med till den har de inte om var jag du han hon vi ni sig sin
        sitt men så kan ska skulle vara bli blev från eller när efter under över mot också bara detta denna
        dessa här där hur vad vilken alla mycket nu än sedan
        """)

    static let danish = words("""
        og i at det er en et den til på af for med som de ikke har var jeg du han hun vi sig sin men så kan
        skal vil være blive fra eller når efter under over mod også kun dette denne disse her der hvor hvad
        hvordan alle meget nu end sammen
        """)

    static let norwegian = words("""
        og i er det som en et på til av for med at den har de ikke var jeg du han hun vi dere seg sin men så
        kan skal vil være bli ble fra eller når etter under over mot også bare dette denne disse her der
        hvor hva hvordan alle mye nå enn
        """)

    static let finnish = words("""
        ja on ei se että oli ovat olla kun niin mutta kuin tai myös joka jotka tämä tämän nämä hän he me te
        minä sinä sen sitä siitä siinä jo vain vielä kanssa mukaan jälkeen ennen koska jos sekä hyvin
        paljon kaikki mitä mikä miten missä voi voidaan täytyy pitää olen olet olemme ole ollut aina nyt
        sitten
        """)

    static let polish = words("""
        i w na z do się nie to jest że o a od za po jak dla są co ale przez tak tym być był była było jego
        jej ich już tylko może który która które także oraz lub czy gdy bardzo tego ten ta te jako przy
        przed między nad pod bez ja ty on ona my wy oni mnie go
        """)

    static let czech = words("""
        a je v na se že to s z do o k i jako by jsou být byl byla bylo ale pro po od za při jeho její jejich
        který která které také nebo jak tak už jen však když proto velmi tento tato toto tyto jsem jsme
        jste mezi před nad pod bez ve ze
        """)

    static let romanian = words("""
        și şi în de la a cu pe din care este sunt nu o un al ale ai lui ei să se mai ce pentru sau dar ca că
        fost fi după prin despre foarte acest această aceste acești acum când unde cum dacă doar eu tu el ea
        noi voi ele
        """)

    static let hungarian = words("""
        a az és hogy nem is egy van volt meg de csak mint már még ez azt ezt ki be el fel le vagy mert ha
        amikor ami aki amely nagyon lesz lehet kell után előtt között alatt szerint minden sok ő én te mi ti
        ők nekem neki itt ott hogyan miért vannak
        """)

    static let turkish = words("""
        ve bir bu da de için ile çok daha olarak olan gibi ama ancak en her ne o şu ben sen biz siz onlar var
        yok değil mi mı mu mü sonra önce kadar göre veya ya ki diye olduğu ise şey bunu bunun onun benim
        kendi nasıl neden çünkü
        """)

    static let indonesian = words("""
        dan yang di ke dari ini itu dengan untuk pada adalah tidak akan dalam juga ada atau oleh sebagai
        karena bisa dapat sudah telah saya kami kita anda mereka dia ia tersebut lebih sangat hanya jika
        kalau tetapi namun seperti setelah sebelum antara bahwa harus masih belum semua banyak apa
        bagaimana mengapa siapa
        """)

    static let swahili = words("""
        na ya wa kwa ni za la katika kama hii huo hiyo hizo ili lakini au pia sana kwamba kuwa kila bila tu
        si ndiyo hapana mimi wewe yeye sisi ninyi wao yako yangu yake wetu hivyo kisha baada kabla wakati
        zaidi sasa hapa pale nini nani vipi kwani vya cha vile ambao ambayo ambaye kutoka hadi mpaka
        """)

    static let vietnamese = words("""
        và của là có không được các những một cho trong người này đã với để khi đến từ cũng như về thì sẽ
        nhưng hay hoặc rất nhiều bạn tôi chúng họ anh chị em ở ra vào lại nên mà nếu vì đó đây tại theo
        sau trước năm nhà làm
        """)

    static let tagalog = words("""
        ang ng sa na at mga ay para hindi ko mo siya niya kami tayo kayo sila nila ito iyon din rin lang
        lamang kung pero ngunit dahil may mayroon wala ako ikaw ka po ba pa nang kanyang aking iyong namin
        natin ninyo nito
        """)

    // MARK: Cyrillic script

    static let russian = words("""
        что это он она они мы вы я его её был была были было быть есть уже если когда чтобы только ещё
        тоже также который которые которая этот эта эти может очень всё все так где здесь нет бы же для
        через после между о об про из у к
        """)

    static let bulgarian = words("""
        е че са се да това тези този тази като към ще което които който която беше бяха със във също много
        може има няма само след преди един една едно ние вие той тя те ли му ги си съм сме сте бил била
        било когато защото къде тук
        """)

    static let ukrainian = words("""
        і й що це як з від та але його її він вона вони ми ви бути був була які який яка також або коли щоб
        є вже ще тільки цей ця ці дуже тому після між
        """)

    // MARK: Devanagari script

    static let hindi = words("""
        है हैं और के की का में से यह कि पर भी था थे थी नहीं लिए इस तो ने जो वह करने गया रहा होता आप हम
        अपने किया होती सकते जाता बहुत साथ कुछ इसके उनके उसके लेकिन क्योंकि जब तक कोई सभी एवं
        """)

    static let marathi = words("""
        आहे आणि आहेत नाही मध्ये म्हणून करून केले त्या त्याच्या त्यांच्या आपण पण किंवा असे हा हे साठी मी
        तुम्ही आम्ही व ते ती जे करणे असते असतो झाले काही सर्व खूप आता येथे कसे होते आली आला केली
        त्यामुळे म्हणजे
        """)

    static let nepali = words("""
        छ छन् र मा पनि गर्न भएको गरेको यो त्यो लागि थियो हुन्छ गर्छ तथा भने छैन हुने गरी उनी हामी तपाईं
        मेरो आफ्नो हुन् गर्दछ रहेको भन्ने सबै धेरै अहिले यहाँ कसरी किन नै गर्ने हुनुहुन्छ थिए
        """)

    // MARK: Arabic script (matched after folding Arabic yeh/kaf to their Persian forms)

    static let arabic = words("""
        في من على إلى أن التي الذي عن مع هذا هذه كان كانت لا هو هي قد كل بين ذلك أو ثم لم إن عند حتى بعد
        أي كما لقد يمكن هناك الى ان او وهو وهي ولا فى عليه لها له منها فيها أيضا
        """)

    static let persian = words("""
        است این که را در با از به می برای آن هم یک شود کرد بود شما او هست نیز تا اما یا خود های کند باید
        دارد نمی کنید شده کرده بر هر ها اند بسیار چه چرا اگر همه پس ولی هستند
        """)

    /// Urdu, with its own letters heh goal (U+06C1), yeh barree (U+06D2), noon ghunna (U+06BA) and
    /// heh doachashmee (U+06BE) spelled out, because they are what separates it from Persian.
    static let urdu = words("""
        \u{06C1}\u{06D2} \u{06C1}\u{06CC}\u{06BA} \u{06A9}\u{06D2} \u{06A9}\u{06CC} \u{06A9}\u{0627} \
        \u{0645}\u{06CC}\u{06BA} \u{0627}\u{0648}\u{0631} \u{0633}\u{06D2} \u{06A9}\u{0648} \
        \u{06A9}\u{06C1} \u{0646}\u{06D2} \u{06CC}\u{06C1} \u{0648}\u{06C1} \u{067E}\u{0631} \
        \u{0628}\u{06BE}\u{06CC} \u{0627}\u{06CC}\u{06A9} \u{062A}\u{06BE}\u{0627} \u{062A}\u{06BE}\u{06D2} \
        \u{06AF}\u{06CC}\u{0627} \u{06A9}\u{0631} \u{06C1}\u{0648} \u{0644}\u{06CC}\u{06D2} \
        \u{06A9}\u{06CC}\u{0627} \u{0646}\u{06C1}\u{06CC}\u{06BA} \u{0622}\u{067E} \u{06C1}\u{0645} \
        \u{0627}\u{067E}\u{0646}\u{06D2} \u{062C}\u{0648} \u{0633}\u{06A9}\u{062A}\u{06D2} \
        \u{0627}\u{0633}
        """)
}
