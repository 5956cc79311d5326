import { Link } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';

export function SiteFooter({ operatorName, operatorIcp }: { operatorName: string; operatorIcp: string }) {
  const { t } = useTranslation();
  return (
    <footer className="site-footer">
      <p>{t('footer.mission')}</p>
      <p>
        <Link to="/privacy">{t('footer.privacy')}</Link> · <Link to="/terms">{t('footer.terms')}</Link>
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
