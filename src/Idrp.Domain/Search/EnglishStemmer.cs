namespace Idrp.Domain.Search;

/// <summary>
/// The Snowball English ("Porter2") stemmer, as defined at snowballstem.org (the version Lucene 4.8 ships: R1 after
/// the prefixes gener, commun and arsen): islands, islanded, islanding → island; oxides → oxid. Written here rather
/// than taken from a library because the one served (Lucene.Net.Analysis.Common) brings 7.5 MB of assemblies for it;
/// its tests compare this one with known stems. Input is one lower-case word of letters and digits
/// (a word of <see cref="SearchText.Normalize"/>); words of one or two characters and words without a vowel come back unchanged, and
/// the result is never empty.
/// </summary>
public static class EnglishStemmer
{
    private static readonly Dictionary<string, string> Exceptions = new(StringComparer.Ordinal)
    {
        ["skis"] = "ski", ["skies"] = "sky", ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie",
        ["idly"] = "idl", ["gently"] = "gentl", ["ugly"] = "ugli", ["early"] = "earli", ["only"] = "onli", ["singly"] = "singl",
        ["sky"] = "sky", ["news"] = "news", ["howe"] = "howe", ["atlas"] = "atlas", ["cosmos"] = "cosmos", ["bias"] = "bias", ["andes"] = "andes",
    };

    private static readonly HashSet<string> AfterStep1a = new(StringComparer.Ordinal)
    {
        "inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed",
    };

    private static readonly (string Suffix, string Replacement)[] Step2Suffixes =
    [
        ("ization", "ize"), ("ational", "ate"), ("fulness", "ful"), ("ousness", "ous"), ("iveness", "ive"),
        ("tional", "tion"), ("biliti", "ble"), ("lessli", "less"),
        ("entli", "ent"), ("ation", "ate"), ("alism", "al"), ("aliti", "al"), ("ousli", "ous"), ("iviti", "ive"), ("fulli", "ful"),
        ("enci", "ence"), ("anci", "ance"), ("abli", "able"), ("izer", "ize"), ("ator", "ate"), ("alli", "al"),
        ("bli", "ble"), ("ogi", "og"), ("li", ""),
    ];

    private static readonly (string Suffix, string Replacement)[] Step3Suffixes =
    [
        ("ational", "ate"), ("tional", "tion"), ("alize", "al"), ("icate", "ic"), ("iciti", "ic"), ("ative", ""),
        ("ical", "ic"), ("ness", ""), ("ful", ""),
    ];

    private static readonly string[] R1Prefixes = ["gener", "commun", "arsen"];

    private static readonly string[] Step1bSuffixes = ["eedly", "ingly", "edly", "eed", "ing", "ed"];

    private static readonly string[] Step4Suffixes =
    [
        "ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous", "ive", "ize", "ion", "al", "er", "ic",
    ];

    /// <summary>The stem of <paramref name="word"/> (lower case, letters and digits).</summary>
    public static string Stem(string word)
    {
        if (word.Length < 3)
        {
            return word;
        }

        if (Exceptions.TryGetValue(word, out var exception))
        {
            return exception;
        }

        var w = new Word(word);
        w.MarkRegions();
        w.Step1a();
        if (w.Length is < 6 or > 7 || !AfterStep1a.Contains(w.ToString()))
        {
            w.Step1b();
            w.Step1c();
            w.Step2();
            w.Step3();
            w.Step4();
            w.Step5();
        }

        var stem = w.ToString().Replace('Y', 'y');
        return stem.Length == 0 ? word : stem;
    }

    /// <summary>The word being stemmed, with its regions R1 (from <c>p1</c>) and R2 (from <c>p2</c>).</summary>
    private sealed class Word
    {
        private readonly System.Text.StringBuilder chars;
        private int p1;
        private int p2;

        public Word(string word)
        {
            chars = new System.Text.StringBuilder(word);

            // A y at the start or after a vowel is a consonant: Y, which is no vowel.
            for (var i = 0; i < chars.Length; i++)
            {
                if (chars[i] == 'y' && (i == 0 || IsVowel(chars[i - 1])))
                {
                    chars[i] = 'Y';
                }
            }
        }

        public int Length => chars.Length;

        public override string ToString() => chars.ToString();

        public void MarkRegions()
        {
            var prefix = Array.Find(R1Prefixes, StartsWith);
            p1 = prefix?.Length ?? AfterVowelThenConsonant(0);
            p2 = AfterVowelThenConsonant(p1);
        }

        /// <summary>The position after the first non-vowel that follows a vowel, from <paramref name="start"/> on; else the end.</summary>
        private int AfterVowelThenConsonant(int start)
        {
            var i = start;
            while (i < Length && !IsVowel(chars[i]))
            {
                i++;
            }

            while (i < Length && IsVowel(chars[i]))
            {
                i++;
            }

            return i < Length ? i + 1 : Length;
        }

        public void Step1a()
        {
            if (EndsWith("sses"))
            {
                Replace(4, "ss");
            }
            else if (EndsWith("ied") || EndsWith("ies"))
            {
                Replace(3, Length > 4 ? "i" : "ie");
            }
            else if (EndsWith("us") || EndsWith("ss"))
            {
                return;
            }
            else if (EndsWith("s") && HasVowel(0, Length - 2))
            {
                Replace(1, "");
            }
        }

        public void Step1b()
        {
            var suffix = Longest(Step1bSuffixes);
            if (suffix is null)
            {
                return;
            }

            var start = Length - suffix.Length;
            if (suffix is "eed" or "eedly")
            {
                if (start >= p1)
                {
                    Replace(suffix.Length, "ee");
                }

                return;
            }

            if (!HasVowel(0, start))
            {
                return;
            }

            Replace(suffix.Length, "");
            if (EndsWith("at") || EndsWith("bl") || EndsWith("iz"))
            {
                chars.Append('e');
            }
            else if (Length >= 2 && chars[Length - 1] == chars[Length - 2] && "bdfgmnprt".Contains(chars[Length - 1]))
            {
                chars.Length--;
            }
            else if (Length == p1 && ShortSyllableBefore(Length))
            {
                chars.Append('e');
            }
        }

        public void Step1c()
        {
            if (Length > 2 && chars[Length - 1] is 'y' or 'Y' && !IsVowel(chars[Length - 2]))
            {
                chars[Length - 1] = 'i';
            }
        }

        public void Step2()
        {
            if (LongestOf(Step2Suffixes) is not var (suffix, replacement) || Length - suffix.Length < p1)
            {
                return;
            }

            var before = Length - suffix.Length - 1;
            if (suffix == "ogi" && (before < 0 || chars[before] != 'l'))
            {
                return;
            }

            if (suffix == "li" && (before < 0 || !"cdeghkmnrt".Contains(chars[before])))
            {
                return;
            }

            Replace(suffix.Length, replacement);
        }

        public void Step3()
        {
            if (LongestOf(Step3Suffixes) is not var (suffix, replacement) || Length - suffix.Length < p1)
            {
                return;
            }

            if (suffix == "ative" && Length - suffix.Length < p2)
            {
                return;
            }

            Replace(suffix.Length, replacement);
        }

        public void Step4()
        {
            var suffix = Longest(Step4Suffixes);
            if (suffix is null || Length - suffix.Length < p2)
            {
                return;
            }

            var before = Length - suffix.Length - 1;
            if (suffix == "ion" && (before < 0 || chars[before] is not ('s' or 't')))
            {
                return;
            }

            Replace(suffix.Length, "");
        }

        public void Step5()
        {
            var start = Length - 1;
            if (EndsWith("e") && (start >= p2 || (start >= p1 && !ShortSyllableBefore(start))))
            {
                chars.Length--;
            }
            else if (EndsWith("l") && start >= p2 && start > 0 && chars[start - 1] == 'l')
            {
                chars.Length--;
            }
        }

        /// <summary>
        /// Whether the characters before <paramref name="end"/> end in a short syllable: a non-vowel other than w, x and
        /// Y after a vowel after a non-vowel, or a non-vowel after a vowel that starts the word.
        /// </summary>
        private bool ShortSyllableBefore(int end)
        {
            if (end >= 3 && !IsVowel(chars[end - 1]) && chars[end - 1] is not ('w' or 'x' or 'Y') && IsVowel(chars[end - 2]) && !IsVowel(chars[end - 3]))
            {
                return true;
            }

            return end == 2 && !IsVowel(chars[1]) && IsVowel(chars[0]);
        }

        /// <summary>The longest of <paramref name="suffixes"/> (listed longest first) the word ends with.</summary>
        private string? Longest(string[] suffixes) => Array.Find(suffixes, EndsWith);

        /// <summary>The longest of <paramref name="suffixes"/> (listed longest first) the word ends with, and its replacement.</summary>
        private (string Suffix, string Replacement)? LongestOf((string Suffix, string Replacement)[] suffixes)
        {
            foreach (var s in suffixes)
            {
                if (EndsWith(s.Suffix))
                {
                    return s;
                }
            }

            return null;
        }

        private bool StartsWith(string prefix)
        {
            if (prefix.Length > Length)
            {
                return false;
            }

            for (var i = 0; i < prefix.Length; i++)
            {
                if (chars[i] != prefix[i])
                {
                    return false;
                }
            }

            return true;
        }

        private bool EndsWith(string suffix)
        {
            if (suffix.Length > Length)
            {
                return false;
            }

            for (var i = 0; i < suffix.Length; i++)
            {
                if (chars[Length - suffix.Length + i] != suffix[i])
                {
                    return false;
                }
            }

            return true;
        }

        private bool HasVowel(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                if (IsVowel(chars[i]))
                {
                    return true;
                }
            }

            return false;
        }

        private void Replace(int suffixLength, string replacement)
        {
            chars.Length -= suffixLength;
            chars.Append(replacement);
        }

        private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';
    }
}
