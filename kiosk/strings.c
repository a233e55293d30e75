/* strings.c - chrome strings by language code (see strings.h). */
#include "strings.h"

#include <stddef.h>
#include <string.h>

typedef struct kstr_entry {
    const char *key, *en, *fr, *de, *es, *cy, *zh;
} kstr_entry;

static const kstr_entry table[] = {
    {"start", "Start", "Commencer", "Starten", "Empezar", "Dechrau", "开始"},
    {"next", "Next", "Suivant", "Weiter", "Siguiente", "Nesaf", "下一步"},
    {"back", "Back", "Retour", "Zurück", "Atrás", "Yn ôl", "返回"},
    /* Repeats: "%s" is the repeat's label (e.g. "Household member"), %zu numbers. */
    {"repeat_add_first", "Add a %s?", "Ajouter : %s ?", "%s hinzufügen?", "¿Añadir %s?",
     "Ychwanegu %s?", "添加%s？"},
    {"repeat_add_another", "Add another %s?", "Ajouter un autre : %s ?",
     "Weitere hinzufügen: %s?", "¿Añadir otro: %s?", "Ychwanegu %s arall?", "再添加一个%s？"},
    {"repeat_have", "You have entered %zu.", "Vous en avez saisi %zu.", "Sie haben %zu eingegeben.",
     "Ha introducido %zu.", "Rydych wedi rhoi %zu.", "您已输入 %zu 个。"},
    {"repeat_add", "Add", "Ajouter", "Hinzufügen", "Añadir", "Ychwanegu", "添加"},
    {"repeat_no_more", "No, continue", "Non, continuer", "Nein, weiter", "No, continuar",
     "Na, parhau", "不，继续"},
    {"repeat_of", "%s %zu of %zu", "%s %zu sur %zu", "%s %zu von %zu", "%s %zu de %zu",
     "%s %zu o %zu", "%s 第 %zu 个，共 %zu 个"},
    {"repeat_remove", "Remove", "Supprimer", "Entfernen", "Eliminar", "Dileu", "删除"},
    {"repeat_remove_q", "Remove %s %zu and its answers?", "Supprimer %s %zu et ses réponses ?",
     "%s %zu und die Antworten entfernen?", "¿Eliminar %s %zu y sus respuestas?",
     "Dileu %s %zu a'i atebion?", "删除%s %zu 及其回答？"},
    {"repeat_keep", "Keep it", "Garder", "Behalten", "Conservar", "Cadw", "保留"},
    {"finish", "Finish", "Terminer", "Abschließen", "Terminar", "Gorffen", "完成"},
    {"continue", "Continue", "Continuer", "Weiter", "Continuar", "Parhau", "继续"},
    {"decline", "I do not wish to take part", "Je ne souhaite pas participer",
     "Ich möchte nicht teilnehmen", "No deseo participar", "Nid wyf am gymryd rhan",
     "我不想参加"},
    {"still_there", "Are you still there?", "Êtes-vous toujours là ?", "Sind Sie noch da?",
     "¿Sigue ahí?", "Ydych chi dal yna?", "您还在吗？"},
    {"still_there_body", "For your privacy this survey will close in %u seconds.",
     "Pour votre confidentialité, ce questionnaire se fermera dans %u secondes.",
     "Zum Schutz Ihrer Privatsphäre wird die Umfrage in %u Sekunden geschlossen.",
     "Por su privacidad, la encuesta se cerrará en %u segundos.",
     "Er mwyn eich preifatrwydd bydd yr arolwg yn cau mewn %u eiliad.",
     "为保护您的隐私，本问卷将在 %u 秒后关闭。"},
    {"still_here", "I am still here", "Je suis toujours là", "Ich bin noch da",
     "Sigo aquí", "Rydw i dal yma", "我还在"},
    {"thanks", "Thank you", "Merci", "Vielen Dank", "Gracias", "Diolch", "谢谢"},
    {"thanks_body", "Your answers have been saved.", "Vos réponses ont été enregistrées.",
     "Ihre Antworten wurden gespeichert.", "Sus respuestas se han guardado.",
     "Mae eich atebion wedi'u cadw.", "您的回答已保存。"},
    {"wcode_intro",
     "If you change your mind later, this code lets the researchers remove your answers. "
     "Write it down or take a photo:",
     "Si vous changez d'avis, ce code permet aux chercheurs de supprimer vos réponses. "
     "Notez-le ou prenez-le en photo :",
     "Wenn Sie es sich anders überlegen, können die Forschenden Ihre Antworten mit diesem "
     "Code löschen. Notieren oder fotografieren Sie ihn:",
     "Si cambia de opinión, con este código el equipo de investigación puede borrar sus "
     "respuestas. Anótelo o hágale una foto:",
     "Os byddwch yn newid eich meddwl, mae'r cod hwn yn gadael i'r ymchwilwyr ddileu eich "
     "atebion. Ysgrifennwch ef neu tynnwch lun:",
     "如果您改变主意，研究人员可以用此代码删除您的回答。请记下或拍照："},
    {"done", "Done", "Terminé", "Fertig", "Listo", "Wedi gorffen", "完成"},
    {"declined_title", "Thank you", "Merci", "Vielen Dank", "Gracias", "Diolch", "谢谢"},
    {"declined_body", "You chose not to take part. Nothing else has been recorded.",
     "Vous avez choisi de ne pas participer. Rien d'autre n'a été enregistré.",
     "Sie haben sich gegen eine Teilnahme entschieden. Sonst wurde nichts gespeichert.",
     "Ha decidido no participar. No se ha registrado nada más.",
     "Rydych wedi dewis peidio â chymryd rhan. Ni chofnodwyd dim arall.",
     "您选择了不参加。没有记录其他内容。"},
    {"keyboard", "Keyboard", "Clavier", "Tastatur", "Teclado", "Bysellfwrdd", "键盘"},
    {"clear", "Clear", "Effacer", "Löschen", "Borrar", "Clirio", "清除"},
    {"choose", "Choose…", "Choisir…", "Auswählen…", "Elegir…", "Dewis…", "请选择…"},
    {"sign_here", "Sign with your finger or the mouse", "Signez avec le doigt ou la souris",
     "Mit dem Finger oder der Maus unterschreiben", "Firme con el dedo o el ratón",
     "Llofnodwch â'ch bys neu'r llygoden", "请用手指或鼠标签名"},
    {"day", "Day", "Jour", "Tag", "Día", "Diwrnod", "日"},
    {"month", "Month", "Mois", "Monat", "Mes", "Mis", "月"},
    {"year", "Year", "Année", "Jahr", "Año", "Blwyddyn", "年"},
    {"hour", "Hour", "Heure", "Stunde", "Hora", "Awr", "时"},
    {"minute", "Minute", "Minute", "Minute", "Minuto", "Munud", "分"},
    {"language", "Language", "Langue", "Sprache", "Idioma", "Iaith", "语言"},
    {"text_full", "That is more than this answer can hold; nothing was added.",
     "C'est plus que cette réponse ne peut contenir ; rien n'a été ajouté.",
     "Das ist mehr, als diese Antwort fassen kann; nichts wurde hinzugefügt.",
     "Es más de lo que cabe en esta respuesta; no se ha añadido nada.",
     "Mae hynny'n fwy nag y gall yr ateb hwn ei ddal; ni ychwanegwyd dim.",
     "超出了此回答可容纳的长度，未添加任何内容。"},
};

const char *kstr(const char *lang_code, const char *key)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const kstr_entry *e = &table[i];
        if (strcmp(e->key, key) != 0)
            continue;
        const char *s = NULL;
        if (lang_code) {
            if (strncmp(lang_code, "fr", 2) == 0)
                s = e->fr;
            else if (strncmp(lang_code, "de", 2) == 0)
                s = e->de;
            else if (strncmp(lang_code, "es", 2) == 0)
                s = e->es;
            else if (strncmp(lang_code, "cy", 2) == 0)
                s = e->cy;
            else if (strncmp(lang_code, "zh", 2) == 0)
                s = e->zh;
        }
        return s ? s : e->en;
    }
    return key;
}
