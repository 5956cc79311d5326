import { useTranslation } from '~/utils/use-translation';
import { ListLink } from './list-link';

export function SiteFooter({ operatorName, operatorIcp }: { operatorName: string; operatorIcp: string }) {
  const { t } = useTranslation();
  return (
    <footer className="site-footer">
      <p>{t('footer.mission')}</p>
      <p>
        <ListLink to="/privacy">{t('footer.privacy')}</ListLink> · <ListLink to="/terms">{t('footer.terms')}</ListLink>
      </p>
      <p>
        {t('footer.operator')}: {operatorName}
      </p>
      <p>
        <a href="https://beian.miit.gov.cn/" rel="noopener noreferrer">
          {operatorIcp}
        </a>
      </p>
    </footer>
  );
}
